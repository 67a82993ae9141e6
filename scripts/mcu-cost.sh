#!/usr/bin/env bash
# Instructions per message on a Cortex-M4: firmware/mcu-cost in QEMU (mps2-an386) with
# `-icount shift=0`, where the virtual clock advances one ns per executed instruction, so
# the board's own clock read around a loop of N messages counts instructions. Prints ONE
# table, next to the reference's published STM32H563 figures (cycles). See docs/mcu-cost.md.
#
#   scripts/mcu-cost.sh            20,000 messages per case: the figures for the docs
#   scripts/mcu-cost.sh --quick    2,000 messages per case (CI; the figures move by < 1)
#
# Exits 1 if the firmware read a wrong value (a broken hand-off), if QEMU's clock is not one
# ns per instruction (the calibration loop), or if a buffer hand-off costs more than
# CEILING instructions (twice the goal), so the measurement cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."

messages=20000
if [[ "${1:-}" == "--quick" ]]; then
    messages=2000
    shift
fi
[[ $# -eq 0 ]] || { echo "usage: scripts/mcu-cost.sh [--quick]" >&2; exit 2; }

GOAL=300
CEILING=$((2 * GOAL))
qemu="${AIMDB_QEMU:-qemu-system-arm}"
command -v "$qemu" >/dev/null || { echo "$qemu is not installed (apt-get install qemu-system-arm)" >&2; exit 1; }

# The firmware workspace has its own target dir and flags (see firmware/README.md).
(cd firmware && env -u CARGO_TARGET_DIR -u RUSTFLAGS cargo build --release --quiet -p mcu-cost)
elf=firmware/target/thumbv7em-none-eabihf/release/mcu-cost

# tests/src/qemu.rs's command line, plus -icount; UART0 unused, no network.
# `-icount shift=0`: 2^0 ns of virtual time per instruction, whatever the host's load.
err=$(mktemp)
trap 'rm -f "$err"' EXIT
status=0
output=$(timeout 60 "$qemu" -machine mps2-an386 -nographic -monitor none \
    -serial null -nic none -icount shift=0 \
    -semihosting-config enable=on,target=native \
    -kernel "$elf" -append "messages=$messages" 2>"$err") || status=$?
if [[ $status -ne 0 ]]; then
    printf '%s\n' "$output"
    cat "$err" >&2
    echo "mcu-cost: the firmware exited with status $status (1: a case read a wrong value)" >&2
    exit 1
fi

printf '%s\n' "$output" | awk -v goal="$GOAL" -v ceiling="$CEILING" -v messages="$messages" '
    # label, reference (STM32H563 cycles/message, where published), kind of goal:
    #   hand-off: one produce + one read, judged against the goal;
    #   readers4: four reads per message, judged per read; other: not a hand-off.
    BEGIN {
        order = "ring ring-async ring4 latest mailbox pipeline join postcard"
        label["ring"] = "ring of 16, 1 reader: produce + try_recv"
        label["ring-async"] = "ring of 16, 1 reader: produce + recv().await, erased handles"
        label["ring4"] = "ring of 16, 4 readers: produce + 4 x try_recv"
        label["latest"] = "single-latest: produce + try_recv"
        label["mailbox"] = "mailbox: produce + take (try_recv)"
        label["pipeline"] = "source -> ring -> tap, emitted embassy node (2 tasks, executor)"
        label["join"] = "join trigger: ring + single-latest in, single-latest out, tap"
        label["postcard"] = "postcard encode of a climate reading + contract header"
        ref["ring"] = "~2,000"; ref["ring-async"] = "~2,000"; ref["ring4"] = "~6,240"
        ref["latest"] = "~2,000"; ref["mailbox"] = "~1,660"
        goalkind["ring"] = goalkind["ring-async"] = goalkind["latest"] = goalkind["mailbox"] = "hand-off"
        goalkind["ring4"] = "readers4"
    }
    $1 != "mcu-cost" { next }
    $2 == "calibration" { turns = $3; cal_ns = $4 }
    $2 == "loop" { loop_n = $3; loop_ns = $4 }
    $2 == "case" { n[$3] = $4; ns[$3] = $5; kind[$3] = $6 }
    $2 == "fault" { print "mcu-cost:", $0 > "/dev/stderr"; bad = 1 }
    END {
        if (turns == "" || loop_n == "") { print "mcu-cost: no calibration in the firmware output" > "/dev/stderr"; exit 1 }
        per_insn = cal_ns / (2 * turns)
        if (per_insn < 0.99 || per_insn > 1.01) {
            printf "mcu-cost: a 2-instruction loop took %.3f virtual ns per instruction, not 1: is -icount shift=0 in effect?\n", per_insn > "/dev/stderr"
            exit 1
        }
        overhead = loop_ns / loop_n
        printf "Instructions per message on a Cortex-M4 (QEMU mps2-an386, -icount shift=0), %d messages per case.\n", messages
        printf "Clock check: a loop of 2 x %d instructions took %d virtual ns (%.3f ns per instruction).\n", turns, cal_ns, per_insn
        printf "Loop overhead subtracted from the tight-loop cases: %.1f instructions per message.\n\n", overhead
        print "QEMU instructions are NOT cycles: QEMU models no pipeline, no flash wait states, no caches"
        print "and no bus contention: a load, a multiply and a taken branch each count as one instruction. The"
        print "reference column is cycles measured on an STM32H563 (Cortex-M33): compare orders of magnitude.\n"
        print "| case | instructions/message | reference: STM32H563 cycles/message | within the 300 goal? |"
        print "| --- | --- | --- | --- |"
        count = split(order, ids, " ")
        for (k = 1; k <= count; k++) {
            id = ids[k]
            if (!(id in n)) { printf "mcu-cost: case %s missing from the firmware output\n", id > "/dev/stderr"; bad = 1; continue }
            per = ns[id] / n[id]
            if (kind[id] == "net") per -= overhead
            verdict = "n/a (not a buffer hand-off)"
            if (goalkind[id] == "hand-off") {
                verdict = (per <= goal) ? "yes" : "no"
                if (per > ceiling) { over = over " " id }
            } else if (goalkind[id] == "readers4") {
                verdict = sprintf("%s (%.0f per read)", (per / 4 <= goal) ? "yes" : "no", per / 4)
                if (per / 4 > ceiling) { over = over " " id }
            }
            printf "| %s | %.0f | %s | %s |\n", label[id], per, (id in ref) ? ref[id] : "-", verdict
        }
        print "\nTight-loop cases: loop overhead subtracted. The node and the join: first produce to last"
        print "read on the embassy executor, everything included (task polls, wakers, the run queue)."
        if (over != "") {
            printf "mcu-cost: buffer hand-off above the ceiling of %d instructions:%s\n", ceiling, over > "/dev/stderr"
            bad = 1
        }
        exit bad
    }
'
