#!/usr/bin/env bash
# The fleet on one screen: topologies/fleet.toml's page, the zones as a grid with their
# liveness, and the fleet's summary (a join over the reading family).
#
#   scripts/fleet-demo.sh [ZONES]        default 12 of the file's 200 instances (0 .. ZONES-1)
#
# All on 127.0.0.1: a private mosquitto (anonymous, its config and log in a temp dir), the
# `overview` node (climate-host's `fleet-overview`) serving the page on 127.0.0.1:8090
# (AIMDB_FLEET_WEB=HOST:PORT for another), and ZONES `fleet-sensor` processes, one per
# instance, each with its last will. Stop one (`kill -STOP` / `kill` its pid, printed below)
# and watch its cell turn stale, then offline. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
zones="${1:-12}"
[[ "$zones" =~ ^[0-9]+$ && "$zones" -ge 1 && "$zones" -le 200 ]] ||
  { echo "usage: scripts/fleet-demo.sh [ZONES]  (1 to 200)" >&2; exit 2; }
web="${AIMDB_FLEET_WEB:-127.0.0.1:8090}"
say() { printf '[fleet-demo    ] %s\n' "$*"; }

scripts/setup.sh >/dev/null
say "building the overview and the sensor (release) ..."
cargo build --release -q -p climate-host --bin fleet-overview --bin fleet-sensor
bin="${CARGO_TARGET_DIR:-$PWD/target}/release"

dir="$(mktemp -d /tmp/aimdb-fleet.XXXXXX)"
pids=()
cleanup() {
  trap '' INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" >"$dir/mosquitto.conf"
mosquitto -c "$dir/mosquitto.conf" >"$dir/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
say "mosquitto on 127.0.0.1:$port (anonymous, loopback only; log in $dir)"

"$bin/fleet-overview" --broker "127.0.0.1:$port" --web "$web" &
pids+=($!)
for i in $(seq 0 $((zones - 1))); do
  "$bin/fleet-sensor" --broker "127.0.0.1:$port" --instance "$i" >"$dir/sensor-$i.log" 2>&1 &
  pids+=($!)
  say "zone $i: pid $!"
done
say "the page: http://$web/ (the other $((200 - zones)) zones stay 'unknown'); Ctrl-C stops everything"
wait -n "${pids[@]}" || true
say "a process ended by itself; stopping the rest"
