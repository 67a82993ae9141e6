#!/usr/bin/env bash
# The browser end to end against the running demo: start scripts/demo.sh (firmware in QEMU,
# broker, dashboard serving the page), wait for live readings, drive headless Chromium
# against the page (tests/tests/browser_dashboard.rs, the climate case: the page fed by its
# own browser node), then stop the demo.
# The screenshot lands in target/browser/climate-dashboard.png.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/browser
log=target/browser/demo.log

listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
port=18080
while listening 127.0.0.1 "$port"; do port=$((port + 1)); done

AIMDB_WEB="127.0.0.1:$port" scripts/demo.sh >"$log" 2>&1 &
demo=$!
stop_demo() { kill -TERM "$demo" 2>/dev/null || true; wait "$demo" 2>/dev/null || true; }
trap stop_demo EXIT

# The first build of the demo can take minutes on a cold machine.
for _ in $(seq 1 600); do
  grep -q "first live reading" "$log" && break
  if ! kill -0 "$demo" 2>/dev/null; then
    echo "browser-demo-check: the demo ended before any reading arrived:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 1
done
grep -q "first live reading" "$log" || { echo "browser-demo-check: no live reading in 600 s" >&2; cat "$log" >&2; exit 1; }
grep "first live reading" "$log"

# The page with the browser node's login (demo.sh wrote it, mode 600): the page runs the
# climate file's `browser` node, which reads the sensor over MQTT over WebSocket.
AIMDB_DASHBOARD_URL="$(cat target/mosquitto/browser-url)" \
  cargo test -q -p aimdb-tests --test browser_dashboard -- --ignored --nocapture
