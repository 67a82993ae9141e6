#!/usr/bin/env bash
# Run the cargo-fuzz targets in fuzz/ one at a time and print executions per target.
#
#   scripts/fuzz.sh                      every target for 60 s (what CI runs)
#   scripts/fuzz.sh TARGET [SECONDS]     one target
#   scripts/fuzz.sh all SECONDS [RUNS]   every target, stopping each at SECONDS or RUNS executions
#
# Needs nightly and cargo-fuzz (installed here if missing). The committed seeds in
# fuzz/corpus/TARGET are read only; what the fuzzer finds goes to fuzz/work/corpus/TARGET
# (not committed), crashes to fuzz/artifacts/TARGET. Exits non-zero if any target crashed,
# hung (a run over 10 s) or ran out of memory (over 2 GB).
set -euo pipefail
# The whole script is one brace group, so bash reads it all before running it: editing
# this file while a long run is going does not change or break that run.
{
cd "$(dirname "$0")/../fuzz"

TARGETS=(topology_file topology_macro cobs serial_rx mqtt_link codecs knx_frames contract)
which="${1:-all}"
seconds="${2:-60}"
runs="${3:--1}"
if [[ "$which" != all ]]; then TARGETS=("$which"); fi

if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
if [[ "$which" == all ]]; then
    cargo +nightly fuzz build -O
else
    cargo +nightly fuzz build -O "$which"
fi

failed=0
summary=()
for target in "${TARGETS[@]}"; do
    mkdir -p "work/corpus/$target" "artifacts/$target" "corpus/$target"
    log="work/$target.log"
    set +e
    # One in-process fuzzing job (libFuzzer's default; `-jobs=1` would move the output to
    # fuzz-0.log), so targets run one at a time on a shared machine.
    cargo +nightly fuzz run -O "$target" "work/corpus/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -runs="$runs" \
        -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
        >"$log" 2>&1
    status=$?
    set -e
    execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
    speed=$(grep -Eo 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+')
    if [[ $status -ne 0 ]]; then
        failed=1
        result="FAILED (exit $status; see fuzz/$log and fuzz/artifacts/$target)"
    else
        result="ok"
    fi
    line=$(printf '%-15s %12s executions  %8s exec/s  cov %6s  %s' \
        "$target" "${execs:-?}" "${speed:-?}" "${cov:-?}" "$result")
    echo "$line"
    summary+=("$line")
done
echo
echo "fuzz summary (max ${seconds}s or ${runs} runs per target):"
printf '%s\n' "${summary[@]}"
exit $failed
}
