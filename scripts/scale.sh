#!/usr/bin/env bash
# Fleet scale (issue 22): how the climate fleet's cost grows with the number of sensors.
#
#   scripts/scale.sh [N ...]            default: 1 10 50 100 200
#
# For each N, all on 127.0.0.1: a private mosquitto (anonymous, its own config and log in a
# temp dir), the fleet's dashboard node (`fleet-dashboard`, topologies/fleet.toml, tokio)
# and N `fleet-sensor` processes: N instances of the fleet's one sensor image, each the
# generated embassy node on embassy's std executor (one process per instance, as a fleet of
# MCUs would be), each 100 readings/s at QoS 1. The sensors publish through the host MQTT
# connector (rumqttc on tokio, `FLEET_SENSOR_CONNECTOR=tokio`): the embassy MQTT connector
# on the host costs ~0.8 of a core per process at 100/s (docs/fleet.md says why), so 200 of
# them would measure the load generator. SCALE_SENSOR_CONNECTOR=embassy uses it anyway.
# The accounting is in Rust: the dashboard waits until it hears all N, warms up
# SCALE_WARMUP_S (3), measures SCALE_SECONDS (15) and prints one row (delivered/s, p50/p99
# latency from the reading's wall-clock stamp to the family tap, its own CPU % and RSS, the
# broker's CPU % from /proc, readings lost: gaps in each instance's sequence and ring
# overruns at the dashboard; payloads refused). Then, unless SCALE_BRIDGE=0, the same
# topology across two bridged brokers (sensors on A, the dashboard on B; B's `connection`
# bridge pulls climate/+/reading from A) at SCALE_BRIDGE_N (100) sensors: no change to the
# topology or the nodes, only the address each process is given.
# At the end: the table (stdout and docs/fleet-scale-results.md) and the plot
# (docs/fleet-scale.svg), both written by `fleet-dashboard --report`; docs/fleet.md reads
# them. Logs stay in the directory printed at the start.
set -euo pipefail
{
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 10 50 100 200)
for n in "${sizes[@]}"; do
  if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt 200 ]; then
    echo "usage: scripts/scale.sh [N ...]  (each 1..200: topologies/fleet.toml declares count = 200)" >&2
    exit 2
  fi
done
seconds="${SCALE_SECONDS:-15}"
export FLEET_SENSOR_CONNECTOR="${SCALE_SENSOR_CONNECTOR:-tokio}"
warmup="${SCALE_WARMUP_S:-3}"
bridge="${SCALE_BRIDGE:-1}"
bridge_n="${SCALE_BRIDGE_N:-100}"
dir="${SCALE_DIR:-$(mktemp -d /tmp/aimdb-scale.XXXXXX)}"
mkdir -p "$dir"
echo "scale: logs in $dir"
command -v mosquitto >/dev/null || { echo "scale: needs mosquitto" >&2; exit 1; }

cargo build --release -q -p climate-host --bin fleet-sensor --bin fleet-dashboard
bin="${CARGO_TARGET_DIR:-$root/target}/release"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_broker NAME PORT [BRIDGE_TO_PORT]: echo its pid.
start_broker() {
  local name="$1" port="$2" upstream="${3:-}"
  {
    echo "listener $port 127.0.0.1"
    echo "allow_anonymous true"
    echo "max_queued_messages 100000"
    echo "max_inflight_messages 0"
    echo "persistence false"
    if [ -n "$upstream" ]; then
      echo "connection fleet-bridge"
      echo "address 127.0.0.1:$upstream"
      echo "topic climate/+/reading in 1"
      echo "topic aimdb/nodes/# in 1"
      echo "cleansession true"
      echo "try_private true"
    fi
  } > "$dir/$name.conf"
  mosquitto -c "$dir/$name.conf" > "$dir/$name.log" 2>&1 &
  echo $!
}

wait_port() {
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "scale: nothing listens on $1" >&2
  return 1
}

rows="$dir/rows"
: > "$rows"

# run SETUP N SENSOR_PORT DASHBOARD_PORT DASHBOARD_BROKER_PID
run() {
  local setup="$1" n="$2" sensor_port="$3" dash_port="$4" broker_pid="$5"
  "$bin/fleet-dashboard" --broker "127.0.0.1:$dash_port" --instances "$n" \
    --seconds "$seconds" --warmup "$warmup" --broker-pid "$broker_pid" --setup "$setup" \
    > "$dir/dashboard-$setup-$n.out" 2> "$dir/dashboard-$setup-$n.log" &
  local dash=$!
  pids+=("$dash")
  for i in $(seq 0 $((n - 1))); do
    "$bin/fleet-sensor" --broker "127.0.0.1:$sensor_port" --instance "$i" > /dev/null 2>> "$dir/sensors-$setup-$n.log" &
    pids+=("$!")
  done
  local sensors=("${pids[@]:$((${#pids[@]} - n))}")
  local started=$SECONDS
  local limit=$((seconds + warmup + 150))
  if ! timeout "$limit" tail --pid="$dash" -f /dev/null; then
    echo "scale: the dashboard did not finish within $limit s ($setup, $n)" >&2
  fi
  # The sensors' CPU together, over their life so far (% of one core; USER_HZ = 100).
  local ticks=0
  for pid in "${sensors[@]}"; do
    ticks=$((ticks + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  local cpu
  cpu=$(awk -v t="$ticks" -v s=$((SECONDS - started)) 'BEGIN { printf "%.1f", (s > 0 ? t / s : 0) }')
  wait "$dash" || echo "scale: the dashboard failed ($setup, $n): $(cat "$dir/dashboard-$setup-$n.log")" >&2
  grep '^row ' "$dir/dashboard-$setup-$n.out" | sed "s/sensors_cpu=NaN/sensors_cpu=$cpu/" | tee -a "$rows" || true
}

for n in "${sizes[@]}"; do
  port=$(free_port)
  broker=$(start_broker "broker-$n" "$port")
  pids+=("$broker")
  wait_port "$port"
  run "one_broker" "$n" "$port" "$port" "$broker"
  cleanup
  sleep 1
done

if [ "$bridge" = 1 ]; then
  a=$(free_port)
  pa=$(start_broker "bridge-a" "$a")
  pids+=("$pa")
  wait_port "$a"
  b=$(free_port)
  pb=$(start_broker "bridge-b" "$b" "$a")
  pids+=("$pb")
  wait_port "$b"
  sleep 1 # the bridge's connection to A
  run "bridged" "$bridge_n" "$a" "$b" "$pa,$pb"
  cleanup
fi

echo
"$bin/fleet-dashboard" --report "$rows" --svg docs/fleet-scale.svg | tee "$dir/table.md"
{
  echo "<!-- written by scripts/scale.sh on $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores; sizes: ${sizes[*]} -->"
  cat "$dir/table.md"
} > docs/fleet-scale-results.md
echo "scale: docs/fleet-scale-results.md, docs/fleet-scale.svg"
}
