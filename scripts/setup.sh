#!/usr/bin/env bash
# Install what the tests and the demo need, once. Safe to run again: each step checks first.
set -euo pipefail

need_apt=()
command -v mosquitto >/dev/null 2>&1 || need_apt+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || need_apt+=(mosquitto-clients)
command -v qemu-system-arm >/dev/null 2>&1 || need_apt+=(qemu-system-arm)
command -v arm-none-eabi-size >/dev/null 2>&1 || need_apt+=(binutils-arm-none-eabi)
# Only the test suite needs these (the demo does not): AIMDB_SETUP_TESTS=1 (scripts/test.sh).
if [ "${AIMDB_SETUP_TESTS:-0}" = 1 ]; then
  command -v dot >/dev/null 2>&1 || need_apt+=(graphviz)  # aimdb graph --format dot is rendered in a test
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)  # the dashboard page is tested in headless Chromium
  command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
  { command -v knxd && command -v knxtool; } >/dev/null 2>&1 || need_apt+=(knxd knxd-tools)  # the KNX connector's peer (aimdb-connectors/tests/knx_knxd.rs)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} (apt)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  # No service may start from a package (knxd's would join multicast on the LAN): a
  # policy-rc.d that refuses every start, for the install only.
  policy=/usr/sbin/policy-rc.d
  ours=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod +x "$policy" && ours=1
    trap '[ "$ours" = 1 ] && $SUDO rm -f "$policy"' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  if [ "$ours" = 1 ]; then $SUDO rm -f "$policy"; fi
  trap - EXIT
  # And where systemd runs, keep knxd's units off: tests start knxd in a network namespace.
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now knxd.service knxd.socket >/dev/null 2>&1 || true
  fi
fi

# The DDS connector's peer (aimdb-connectors/tests/dds_cyclone.rs): Eclipse Cyclone DDS
# through its Python binding, which ships its own libddsc.
if [ "${AIMDB_SETUP_TESTS:-0}" = 1 ] && ! python3 -c 'import cyclonedds' >/dev/null 2>&1; then
  echo "setup: installing cyclonedds==11.0.1 (pip)"
  # A Debian system Python refuses plain `pip install` (PEP 668); a pyenv/venv one takes it.
  python3 -m pip install -q cyclonedds==11.0.1 2>/dev/null \
    || python3 -m pip install -q --break-system-packages cyclonedds==11.0.1
fi

if ! rustup target list --installed | grep -qx thumbv7em-none-eabihf; then
  echo "setup: adding the thumbv7em-none-eabihf target"
  rustup target add thumbv7em-none-eabihf
fi

# The browser nodes (runtime = "wasm", scripts/build-browser.sh) and the record types' wasm32
# build (their contract fingerprint, checked per target): the demo needs both.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
# wasm-bindgen-cli at exactly the wasm-bindgen crate's version in Cargo.lock (the bundle's
# glue and the crate must match), from crates.io; skipped when that version is installed.
# No wasm-pack and no wasm-opt: nothing is downloaded from outside the registries.
root="$(cd "$(dirname "$0")/.." && pwd)"
wasm_bindgen="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$root/Cargo.lock")"
if [ -n "$wasm_bindgen" ] && [ "$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }')" != "$wasm_bindgen" ]; then
  echo "setup: installing wasm-bindgen-cli $wasm_bindgen (cargo install, ~2-4 min)"
  cargo install wasm-bindgen-cli --version "$wasm_bindgen" --locked || cargo install wasm-bindgen-cli --version "$wasm_bindgen"
fi

# miri is optional for the demo; the test suite uses it when a nightly toolchain exists.
if [ "${AIMDB_SETUP_TESTS:-0}" = 1 ] && rustup run nightly rustc --version >/dev/null 2>&1; then
  if ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^miri'; then
    echo "setup: adding miri to the nightly toolchain"
    rustup component add --toolchain nightly miri rust-src
  fi
fi
