#!/usr/bin/env bash
# The one QEMU command line for our firmware; the tests' harness (tests/src/qemu.rs), the
# demo, the soak, mcu-cost.sh and `cargo run` in firmware/ all boot through it.
#
#   scripts/qemu-mps2.sh [--serial SPEC] [QEMU OPTION ...] ELF [FIRMWARE ARGUMENT ...]
#
# The board is the MPS2 with the AN386 image (Cortex-M4F, CMSDK UART0), with no monitor and
# no display. UART0 goes to SPEC (`stdio` unless given: `tcp:HOST:PORT,...` to a broker or a
# test's listener, `null`). Semihosting is on: the firmware reads its arguments through it
# (`SYS_GET_CMDLINE`, given here after ELF and passed as QEMU's -append; QEMU splits it at
# spaces) and ends QEMU with its exit status. Other QEMU options (e.g. `-icount shift=0`,
# `-nic none`, `-d in_asm`) go before ELF. `AIMDB_QEMU` names another emulator binary.
set -euo pipefail
qemu="${AIMDB_QEMU:-qemu-system-arm}"
if ! command -v "$qemu" >/dev/null 2>&1; then
    echo "$qemu is not installed; install it with \`apt-get install qemu-system-arm\`" >&2
    exit 127
fi
serial=stdio
options=()
while [[ $# -gt 0 && "$1" == -* ]]; do
    case "$1" in
        --serial) serial="$2"; shift 2 ;;
        # Every other QEMU option here takes one argument (`-icount shift=0`, `-D FILE`).
        *) options+=("$1" "$2"); shift 2 ;;
    esac
done
if [[ $# -eq 0 ]]; then
    echo "usage: scripts/qemu-mps2.sh [--serial SPEC] [QEMU OPTION ...] ELF [FIRMWARE ARGUMENT ...]" >&2
    exit 2
fi
elf="$1"
shift
append=()
if [[ $# -gt 0 ]]; then append=(-append "$*"); fi
exec "$qemu" -machine mps2-an386 -nographic -monitor none \
    -serial "$serial" -semihosting-config enable=on,target=native \
    "${options[@]}" -kernel "$elf" "${append[@]}"
