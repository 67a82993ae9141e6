#!/usr/bin/env bash
# How building a node grows with its records: generates one node with N records (each a
# ring of 8 with a source and a tap), builds it, and prints the time per size and the
# marginal cost per record.
#
#   scripts/compile-cost.sh                 tokio, debug: 100 200 400 800 records
#   scripts/compile-cost.sh --quick         tokio, debug: 100 200; fails above 40 ms per record (CI)
#   scripts/compile-cost.sh --embassy       embassy, release (the firmware profile), on the host
#   scripts/compile-cost.sh 50 100          other sizes
#
# Conditions as in the issue's table: `cargo build` of the generated crate only (its
# dependencies are built first and not timed), CARGO_INCREMENTAL=0, this machine's cores.
# Bar (issue 22): 400 records <= 10 s on tokio debug, marginal cost flat from 100 to 800.
{
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runtime=tokio
profile=dev
# In quick mode the run fails when a record costs more than this many ms to build (it cost
# 96 ms at 200 records before the build was made linear, 7 ms after).
max_ms=
sizes=()
for arg in "$@"; do
    case "$arg" in
        --quick) sizes=(100 200); max_ms=40 ;;
        --embassy) runtime=embassy; profile=release ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) sizes+=("$arg") ;;
    esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(100 200 400 800)

work="$root/target/compile-cost/$runtime"
crate="$work/node"
mkdir -p "$crate/src"
export CARGO_TARGET_DIR="$work/target"
export CARGO_INCREMENTAL=0

if [ "$runtime" = tokio ]; then
    features='["tokio"]'
    deps='tokio = { version = "1", features = ["rt"] }'
    header='node big: tokio;'
    functions='async fn src(producer: aimdb::Producer<'"'"'static, u32>) { let _ = producer.produce(1); }
async fn tap(mut consumer: aimdb::Consumer<'"'"'static, u32>) { let _ = consumer.recv().await; }
fn main() { let _ = big::run; }'
else
    features='["embassy"]'
    deps='embassy-executor = { version = "0.10", features = ["platform-std", "executor-thread"] }
embassy-time = { version = "0.5", features = ["std"] }
critical-section = { version = "1", features = ["std"] }'
    header='node big: embassy;'
    functions='async fn src(producer: aimdb::Producer<'"'"'static, u32>) { let _ = producer.produce(1); }
async fn tap(mut consumer: aimdb::Consumer<'"'"'static, u32>) { let _ = consumer.recv().await; }
fn main() { let _ = big::spawn; }'
fi

cat > "$crate/Cargo.toml" <<TOML
[package]
name = "compile-cost-node"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
aimdb = { path = "$root/aimdb", features = $features }
$deps

[profile.release]
opt-level = "s"
lto = true
codegen-units = 1
panic = "abort"
TOML

generate() {
    local n=$1
    {
        echo "#![allow(dead_code)]"
        echo "$functions"
        echo "aimdb::topology! {"
        echo "    $header"
        for i in $(seq 1 "$n"); do
            printf '    builder.configure::<u32>("big/r%04d", |reg| { reg.buffer(BufferCfg::SpmcRing { capacity: 8 }).source(src).tap(tap).finish(); });\n' "$i"
        done
        echo "}"
    } > "$crate/src/main.rs"
}

build_args=(--manifest-path "$crate/Cargo.toml" -q)
[ "$profile" = release ] && build_args+=(--release)

# The dependencies once, untimed.
generate 1
cargo build "${build_args[@]}" 2>&1 | tail -5

printf '%-8s %-10s %-12s %s\n' records build_s ms_per_rec marginal_ms_per_rec
prev_n=0; prev_t=0
for n in "${sizes[@]}"; do
    generate "$n"
    start=$(date +%s.%N)
    cargo build "${build_args[@]}" 2>&1 | tail -5
    end=$(date +%s.%N)
    t=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
    per=$(awk -v t="$t" -v n="$n" 'BEGIN { print 1000 * t / n }')
    if [ "$prev_n" -gt 0 ]; then
        marginal=$(awk -v t="$t" -v p="$prev_t" -v n="$n" -v m="$prev_n" 'BEGIN { print 1000 * (t - p) / (n - m) }')
        marginal=$(printf '%.1f' "$marginal")
    else
        marginal=-
    fi
    printf '%-8s %-10.1f %-12.1f %s\n' "$n" "$t" "$per" "$marginal"
    prev_n=$n; prev_t=$t
    if [ -n "$max_ms" ] && awk -v p="$per" -v m="$max_ms" 'BEGIN { exit !(p > m) }'; then
        echo "compile-cost: $n records cost $per ms each, over the bar of $max_ms ms" >&2
        exit 1
    fi
done
exit 0
}
