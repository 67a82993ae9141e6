#!/usr/bin/env bash
# The demo. Until the climate system lands, it prints the buffers' sizes and per-message cost.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo run --release -q -p aimdb-core --features std --example buffer_figures
