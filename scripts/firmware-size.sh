#!/usr/bin/env bash
# Prints a firmware image's flash and RAM use: text, data and bss in bytes (Berkeley format),
# then flash = text + data (data's initial values are stored in flash) and
# RAM = data + bss (static RAM; the stack comes on top).
#
#   scripts/firmware-size.sh firmware/target/thumbv7em-none-eabihf/release/hello
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 FIRMWARE.elf [FIRMWARE.elf ...]" >&2
  exit 2
fi

size=""
for tool in arm-none-eabi-size llvm-size; do
  if command -v "$tool" >/dev/null; then size=$tool; break; fi
done
if [ -z "$size" ]; then
  echo "firmware-size: needs arm-none-eabi-size (apt-get install binutils-arm-none-eabi) or llvm-size" >&2
  exit 2
fi

printf '%-24s %8s %8s %8s %10s %10s\n' image text data bss flash ram
for elf in "$@"; do
  if [ ! -f "$elf" ]; then
    echo "firmware-size: no such file: $elf" >&2
    exit 2
  fi
  # Berkeley output: a header line, then "text data bss dec hex filename".
  read -r text data bss _ < <("$size" -B "$elf" | awk 'NR == 2 {print $1, $2, $3}')
  printf '%-24s %8d %8d %8d %10d %10d\n' "$(basename "$elf")" "$text" "$data" "$bss" \
    $((text + data)) $((data + bss))
done
