#!/usr/bin/env bash
# Prints ONE table: ours vs the reference implementation vs the raw primitives, with
# allocations per message. `--quick` (or AIMDB_BENCH_QUICK=1) for CI; any other argument
# filters cases by id. See benches/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p aimdb-benches --bins
target_dir="${CARGO_TARGET_DIR:-target}"
exec "$target_dir/release/bench_table" "$@"
