#!/usr/bin/env bash
# Soak test of the climate system (issue 10, item 3). Not part of the default test run.
#
#   scripts/soak.sh [MINUTES] [RESTART_EVERY_MINUTES]      defaults: 30 and 5
#
# Builds the dashboard (host) and the sensor firmware, then runs, all on 127.0.0.1:
#   - a private mosquitto on a free port (its own config and log in a temp dir), enforcing
#     topologies/climate.toml as scripts/broker.sh does (`allow_anonymous false`, the ACL
#     of `aimdb acl`, one password per node, `use_username_as_clientid true`; the nodes get
#     their logins from the run's own credentials file, see scripts/broker-credentials.sh),
#   - the sensor firmware in QEMU (mps2-an386; UART0 -> MQTT -> the broker),
#   - the host `dashboard` node (its page on a port the OS picks),
# kills the broker every RESTART_EVERY minutes and starts it again after SOAK_OUTAGE_S
# seconds (default 5) on the same port, and samples the dashboard's RSS (VmRSS from
# /proc/PID/status) every 10 s. At the end it stops the sensor first, lets the dashboard
# drain for 3 s, stops the dashboard with SIGTERM (it prints a `summary:` line of its
# counts), stops the broker, and prints the figures.
#
# What the counts mean and what is checked (exit 1 if any check fails): the module docs of
# climate-host/src/soak.rs, which does the accounting (`soak-account`, unit-tested).
# Logs stay in the directory printed at the start (SOAK_DIR to choose it).
set -euo pipefail
# The whole script is one brace group, so bash reads it all before running it: editing
# this file while a long run is going does not change or break that run.
{
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

minutes="${1:-30}"
every="${2:-5}"
num='^[0-9]+([.][0-9]+)?$'
if ! [[ "$minutes" =~ $num && "$every" =~ $num ]] || awk -v e="$every" 'BEGIN { exit !(e <= 0) }'; then
  echo "usage: scripts/soak.sh [MINUTES] [RESTART_EVERY_MINUTES]  (positive numbers; defaults 30 5)" >&2
  exit 2
fi
duration_s=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
every_s=$(awk -v m="$every" 'BEGIN { printf "%d", m * 60 }')
outage_s="${SOAK_OUTAGE_S:-5}"
rss_limit_kib="${SOAK_RSS_GROWTH_KIB:-2048}"
warmup_s=60

say() { printf '[soak          ] %s\n' "$*"; }

# 1. Build (the firmware workspace has its own target dir, whatever the host uses).
for tool in qemu-system-arm mosquitto; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
    { echo "soak.sh: $tool is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done
mosquitto_bin="$(command -v mosquitto || echo /usr/sbin/mosquitto)"
say "building the dashboard and the sensor firmware ..."
cargo build --release -q -p climate-host --bin dashboard --bin soak-account
(cd firmware && env -u CARGO_TARGET_DIR cargo build --release -q -p climate-sensor)
dashboard_bin="${CARGO_TARGET_DIR:-$root/target}/release/dashboard"
account_bin="${CARGO_TARGET_DIR:-$root/target}/release/soak-account"
elf="$root/firmware/target/thumbv7em-none-eabihf/release/climate-sensor"

dir="${SOAK_DIR:-$(mktemp -d /tmp/aimdb-soak.XXXXXX)}"
mkdir -p "$dir"
say "logs in $dir"

# 2. Everything started from here on is stopped on exit, by its pid.
broker_pid="" qemu_pid="" dash_pid=""
stop_pid() { # pid: TERM, wait up to 5 s, then KILL
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  trap '' INT TERM
  trap - EXIT
  stop_pid "$qemu_pid"; stop_pid "$dash_pid"; stop_pid "$broker_pid"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 3. The broker on a free port.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=$((20000 + RANDOM % 20000))
while listening "$port"; do port=$((port + 1)); done
# The ACL and one login per node, in the run's directory (mosquitto, dropping to its own
# user when started as root, must be able to reach the ACL and password file in it).
chmod go+x "$dir"
scripts/broker-credentials.sh topologies/climate.toml "$dir" >"$dir/credentials.log"
creds="$dir/credentials"
password_of() { sed -n "s/^$1=//p" "$creds" | head -n 1; }
# message_size_limit: the nodes' 4096-byte payload limit plus headroom, as scripts/broker.sh sets it.
# Persistence as scripts/broker.sh sets it: sessions and queued QoS 1 messages survive the
# restarts, so the dashboard (a persistent session) gets what the sensor flushed before it
# was back.
mkdir -p "$dir/store" && chmod 777 "$dir/store"
printf 'listener %s 127.0.0.1\nuse_username_as_clientid true\nallow_anonymous false\npassword_file %s\nacl_file %s\npersistence true\npersistence_location %s/\nautosave_on_changes true\nautosave_interval 1\nmax_queued_messages 10000\nmessage_size_limit 5120\nlog_dest stderr\n' \
  "$port" "$dir/passwd" "$dir/acl" "$dir/store" >"$dir/mosquitto.conf"
start_broker() {
  "$mosquitto_bin" -c "$dir/mosquitto.conf" >>"$dir/mosquitto.log" 2>&1 </dev/null &
  broker_pid=$!
  for _ in $(seq 1 100); do listening "$port" && return 0; sleep 0.05; done
  echo "soak.sh: mosquitto did not listen on 127.0.0.1:$port; see $dir/mosquitto.log" >&2
  exit 1
}
start_broker
say "mosquitto on 127.0.0.1:$port"

# 4. The dashboard, then the sensor in QEMU (as scripts/demo.sh starts them).
#    Each gets its login at start-up: the dashboard in its environment, the firmware
#    through the credentials file named on its command line (read via semihosting).
AIMDB_WEB=127.0.0.1:0 AIMDB_MQTT_USERNAME=dashboard AIMDB_MQTT_PASSWORD="$(password_of dashboard)" \
  "$dashboard_bin" --broker "127.0.0.1:$port" >"$dir/dashboard.log" 2>&1 </dev/null &
dash_pid=$!
scripts/qemu-mps2.sh --serial "tcp:127.0.0.1:$port,nodelay=on,reconnect=1" \
  "$elf" "mqtt-credentials=$creds" >"$dir/sensor.log" 2>&1 </dev/null &
qemu_pid=$!
say "running ${minutes} min, broker restarted every ${every} min (outage ${outage_s} s); RSS every 10 s"

# 5. The run: restart the broker on schedule, sample RSS, watch the nodes.
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true; }
: >"$dir/rss.txt"
start=$(date +%s)
restarts=0 next_restart=$every_s next_sample=0 ended=""
while :; do
  now=$(($(date +%s) - start))
  [ "$now" -ge "$duration_s" ] && break
  kill -0 "$qemu_pid" 2>/dev/null || { ended="the sensor (QEMU) ended by itself"; break; }
  kill -0 "$dash_pid" 2>/dev/null || { ended="the dashboard ended by itself"; break; }
  if [ "$now" -ge "$next_sample" ]; then
    echo "$now $(rss "$dash_pid")" >>"$dir/rss.txt"
    next_sample=$((next_sample + 10))
  fi
  if [ "$now" -ge "$next_restart" ] && [ $((now + outage_s)) -lt "$duration_s" ]; then
    restarts=$((restarts + 1))
    say "t=${now}s broker restart #$restarts: down for ${outage_s} s"
    stop_pid "$broker_pid"; broker_pid=""
    sleep "$outage_s"
    start_broker
    next_restart=$((next_restart + every_s))
  fi
  sleep 1
done
elapsed=$(($(date +%s) - start))
echo "$elapsed $(rss "$dash_pid")" >>"$dir/rss.txt"

# 6. Stop: the sensor first, let the dashboard drain, then the dashboard (summary line).
stop_pid "$qemu_pid"; qemu_pid=""
sleep 3
stop_pid "$dash_pid"; dash_pid=""
stop_pid "$broker_pid"; broker_pid=""

# 7. The figures: the accounting is Rust (climate-host/src/soak.rs, unit-tested), this
#    script only orchestrates.
"$account_bin" "$dir" elapsed="$elapsed" minutes="$minutes" every="$every" \
  outage="$outage_s" restarts="$restarts" warmup="$warmup_s" rss-limit="$rss_limit_kib" \
  ended="$ended"
exit
}
