#!/usr/bin/env bash
# Build the browser nodes' wasm bundle (issue 18): each crate below is a `runtime = "wasm"`
# node generated from a topology file, compiled for wasm32-unknown-unknown and turned into
# an ES module plus its .wasm by wasm-bindgen (`--target web`: no bundler). The host nodes'
# web server (the ws connector, `WsConfig::bundle`) serves the directory under /pkg/.
#
#   scripts/build-browser.sh [OUT_DIR]     OUT_DIR defaults to target/browser/pkg
#
# Needs the wasm32 target and wasm-bindgen-cli at exactly the version of the wasm-bindgen
# crate in Cargo.lock (scripts/setup.sh installs both: `rustup target add`, `cargo install`;
# nothing is downloaded from anywhere but crates.io). No wasm-opt: cargo's `wasm` profile
# (opt-level s, LTO) is the only optimizer.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/target/browser/pkg}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
crates=(climate-browser setpoint-browser panel-browser)

version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$root/Cargo.lock")"
have="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
if [[ "$have" != "$version" ]]; then
    echo "build-browser.sh: wasm-bindgen-cli $version is needed (found '${have:-none}');" \
         "run AIMDB_SETUP_TESTS=1 scripts/setup.sh or: cargo install wasm-bindgen-cli --version $version" >&2
    exit 1
fi

mkdir -p "$out"
for crate in "${crates[@]}"; do
    [[ -d "$root/$crate" ]] || continue
    lib="${crate//-/_}"
    (cd "$root" && cargo build --quiet --target wasm32-unknown-unknown --profile wasm -p "$crate")
    wasm-bindgen --target web --no-typescript --out-dir "$out" \
        "$target_dir/wasm32-unknown-unknown/wasm/$lib.wasm"
    wasm="$out/${lib}_bg.wasm"
    raw=$(stat -c %s "$wasm")
    gz=$(gzip -9 -c "$wasm" | wc -c)
    js=$(stat -c %s "$out/$lib.js")
    echo "build-browser.sh: $crate -> $wasm: $raw B raw, $gz B gzip (glue $lib.js $js B)"
done
