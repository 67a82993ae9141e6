#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs what it needs first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
AIMDB_SETUP_TESTS=1 scripts/setup.sh

step() { printf '\n=== %s\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "no_std builds for thumbv7em-none-eabihf (no alloc)"
cargo build -p aimdb-core -p aimdb-connectors -p aimdb --target thumbv7em-none-eabihf --features aimdb-connectors/serial,aimdb-connectors/tcp,aimdb-connectors/mqtt-embassy,aimdb-connectors/knx,aimdb/postcard,aimdb/cdr,aimdb/embassy

step "the record types for wasm32-unknown-unknown (their contract fingerprints are pinned in a const, so each target's build checks it)"
cargo build -p climate-model --target wasm32-unknown-unknown

step "browser nodes for wasm32-unknown-unknown: the wasm bundle (cargo + wasm-bindgen), its size raw and gzip"
scripts/build-browser.sh

step "firmware (thumbv7em-none-eabihf): build, no allocator linked, flash and RAM"
(cd firmware && env -u CARGO_TARGET_DIR -u RUSTFLAGS cargo build --release)
images=()
for member in $(sed -n 's/^members = \[\(.*\)\]/\1/p' firmware/Cargo.toml | tr -d '",'); do
  elf="firmware/target/thumbv7em-none-eabihf/release/$member"
  [ -f "$elf" ] && images+=("$elf")
done
for elf in "${images[@]}"; do scripts/check-no-alloc.sh "$elf"; done
scripts/firmware-size.sh "${images[@]}"

step "instructions per message on the Cortex-M4 in QEMU, quick mode (so it cannot rot; the figures are in docs/mcu-cost.md)"
scripts/mcu-cost.sh --quick

step "tests"
cargo test --workspace --all-features

step "the publishable crates package and build from their packages (cargo package, verified together)"
# Its own target dir, and our crates' fingerprints dropped first: verification builds each
# package as a registry crate of version 0.1.0, which cargo would otherwise take as unchanged
# from an earlier run (its dependencies stay cached).
rm -rf target/package-check/debug/.fingerprint/aimdb*
CARGO_TARGET_DIR=target/package-check cargo package --allow-dirty \
  -p aimdb-core -p aimdb-connectors -p aimdb-compiler -p aimdb-macros -p aimdb -p aimdb-cli

step "browser against the running demo (headless Chromium; screenshot in target/browser/)"
scripts/browser-demo-check.sh

step "benchmarks, quick mode (so they cannot rot; figures are not meaningful here)"
scripts/bench.sh --quick

step "compile cost, quick mode: build time of a 100- and a 200-record node (the curve must stay linear)"
scripts/compile-cost.sh --quick

step "loom models of the buffers' concurrent paths and of StdRawMutex"
scripts/loom.sh

step "fuzz targets, 30 s each (so they cannot rot; the long runs are in docs/reliability.md)"
scripts/fuzz.sh all 30

if [ -x scripts/miri.sh ]; then
  step "miri (unsafe code in aimdb-core)"
  scripts/miri.sh
fi
