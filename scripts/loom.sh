#!/usr/bin/env bash
# Run the loom models of aimdb-core's buffers and of StdRawMutex's lock
# (aimdb-loom/tests/*.rs) and print, per model,
# how many interleavings loom explored and with which preemption bound.
#
#   scripts/loom.sh            models against the working tree's aimdb-core
#   scripts/loom.sh --head     models against aimdb-core as committed (git HEAD), from a
#                              scratch export, so uncommitted edits do not count
#   LOOM_MAX_PREEMPTIONS=N scripts/loom.sh   one bound for every model (0 = exhaustive)
#
# Exits non-zero if a model fails (loom prints the failing interleaving; rerun the one test
# with LOOM_LOG=trace LOOM_LOCATION=1 to see it step by step).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/aimdb-loom"
if [[ "${1:-}" == --head ]]; then
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    git -C "$root" archive HEAD | tar -x -C "$scratch"
    # The models themselves come from the working tree (they may be newer than HEAD).
    rm -rf "$scratch/aimdb-loom" && cp -r "$dir" "$scratch/aimdb-loom"
    dir="$scratch/aimdb-loom"
    echo "aimdb-core at $(git -C "$root" rev-parse --short HEAD)"
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}/loom"
# aimdb-core's StdRawMutex is built over loom's atomic, Mutex and Condvar (its own source,
# see aimdb-core/src/mutex.rs), so tests/std_mutex.rs models the real lock.
export RUSTFLAGS="${RUSTFLAGS:-} --cfg aimdb_loom"
mkdir -p "$CARGO_TARGET_DIR"
cd "$dir"
start=$(date +%s)
set +e
cargo test --release -- --test-threads=1 --nocapture >"$CARGO_TARGET_DIR/loom.log" 2>&1
status=$?
set -e
grep -E '^(test [a-z_]* \.\.\. )?loom model' "$CARGO_TARGET_DIR/loom.log" | sed 's/^test [a-z_]* \.\.\. //'
grep -q 'a_lost_wakeup_is_reported - should panic' "$CARGO_TARGET_DIR/loom.log" && [[ $status -eq 0 ]] &&
    echo "sanity: a buffer that loses wake-ups is reported by loom (deadlock), as it must be"
if [[ $status -ne 0 ]]; then grep -E 'test result: FAILED|panicked|FAILED' "$CARGO_TARGET_DIR/loom.log"; fi
echo "loom: $(grep -c '^.*loom model' "$CARGO_TARGET_DIR/loom.log") models, $(( $(date +%s) - start )) s, exit $status (log: $CARGO_TARGET_DIR/loom.log)"
exit $status
