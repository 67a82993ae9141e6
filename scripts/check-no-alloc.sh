#!/usr/bin/env bash
# Fails if a firmware image links an allocator: its symbol table must not contain
# __rust_alloc, __rust_alloc_zeroed or __rg_alloc (the symbols `alloc` pulls in).
#
#   scripts/check-no-alloc.sh firmware/target/thumbv7em-none-eabihf/release/hello
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 FIRMWARE.elf" >&2
  exit 2
fi
elf=$1
if [ ! -f "$elf" ]; then
  echo "check-no-alloc: no such file: $elf" >&2
  exit 2
fi

nm=""
for tool in arm-none-eabi-nm llvm-nm; do
  if command -v "$tool" >/dev/null; then nm=$tool; break; fi
done
if [ -z "$nm" ]; then
  echo "check-no-alloc: needs arm-none-eabi-nm (apt-get install binutils-arm-none-eabi) or llvm-nm" >&2
  exit 2
fi

# Symbol names only; an empty table means a stripped image, which proves nothing.
symbols=$("$nm" --format=posix "$elf" | awk '{print $1}')
if [ -z "$symbols" ]; then
  echo "check-no-alloc: $elf has no symbol table (stripped?); cannot check" >&2
  exit 2
fi

found=$(printf '%s\n' "$symbols" | grep -E '^(__rust_alloc|__rust_alloc_zeroed|__rg_alloc)$' || true)
if [ -n "$found" ]; then
  echo "check-no-alloc: FAIL: $elf links an allocator:" >&2
  printf '  %s\n' $found >&2
  exit 1
fi
echo "check-no-alloc: ok: $elf ($(printf '%s\n' "$symbols" | wc -l) symbols, no __rust_alloc / __rust_alloc_zeroed / __rg_alloc)"
