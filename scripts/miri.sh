#!/usr/bin/env bash
# Runs aimdb-core's unit tests under miri: the unsafe code (the registry's pointer list,
# StdRawMutex) and the buffers shared by threads. Installs miri on first use.
# Usage: scripts/miri.sh [extra cargo miri test args]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
fi
if ! rustup +nightly component list --installed | grep -q '^miri'; then
    rustup component add --toolchain nightly miri rust-src
fi
cargo +nightly miri setup

# Each seed is another thread interleaving of the threaded tests; four keep the whole run
# near a minute once the sysroot is built. AIMDB_MIRI_SEEDS=16 explores more.
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-many-seeds=0..${AIMDB_MIRI_SEEDS:-4}}"
exec cargo +nightly miri test -p aimdb-core --features std "$@"
