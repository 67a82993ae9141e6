#!/usr/bin/env bash
# Prints ONE table: ours vs the reference implementation vs the raw primitives, with
# allocations per message. See benches/README.md.
#
#   scripts/bench.sh [--quick] [FILTER]   timing table (+ allocations); --quick or
#                                         AIMDB_BENCH_QUICK=1 for CI
#   scripts/bench.sh --instructions [FILTER]
#                                         instructions per message for every case under
#                                         callgrind: slow (~2 s a case) but independent of
#                                         the machine's load
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p aimdb-benches --bins
bin="${CARGO_TARGET_DIR:-target}/release/bench_table"

if [[ "${1:-}" == "--instructions" ]]; then
    shift
    command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
    # Quick mode pushes 2,000 warm-up + 5 x 2,000 timed messages through median_ns_per_msg.
    messages=12000
    printf '| case | instructions/msg |\n| --- | --- |\n'
    "$bin" --quick --list "$@" | while IFS= read -r id; do
        collected=$(AIMDB_BENCH_NO_ALLOC=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
            --toggle-collect='*median_ns_per_msg*' "$bin" --quick "$id" 2>&1 >/dev/null \
            | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
        printf '| %s | %s |\n' "$id" "$(awk -v c="$collected" -v m="$messages" 'BEGIN { printf "%.0f", c / m }')"
    done
    exit 0
fi

exec "$bin" "$@"
