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
# What the counts mean. Every reading carries the sensor's sequence number, from 0.
#   produced     readings the sensor made: its last sequence number + 1. The sensor prints
#                its sequence number every 50 readings; the dashboard may have seen a later
#                one, so this is max(sensor's last printed, dashboard's last seen) + 1.
#   delivered    distinct readings the dashboard's tap received (duplicates, i.e. QoS 1
#                redeliveries, are counted apart and not in `delivered`).
#   missed       sequence numbers the tap never saw (produced - delivered), by where they
#                were lost, each part counted where it happened:
#     lagged       at the sensor: overwritten in its SpmcRing (256) before its MQTT link
#                  task could take them, because the connector's queue (16) was full while
#                  the broker was away (the link's `lagged` counter);
#     dropped      at the sensor: refused by a full connector queue, or failed to encode or
#                  publish (the link's `dropped` + encode errors + oversize);
#     overwritten  at the dashboard: the MQTT link delivered them into the SingleLatest
#                  buffer, but a newer one replaced them before the tap ran (what arrived
#                  at the link, counted once per reading by the dashboard's witness route
#                  before the buffer, - what arrived again - delivered);
#     at broker    published by the sensor, never received by the dashboard's link.
#                  Expected 0: the dashboard keeps its session and the broker persists it,
#                  so what the sensor flushes after a restart before the dashboard is back
#                  waits for it, and the sensor sends again what the broker had not
#                  acknowledged when it went away. Neither node can count these, so this is
#                  missed - lagged - dropped - overwritten, which is the same as the sensor's
#                  sent (by the end) - the dashboard link's received + duplicates.
#   The sensor's counters come from its last status line (reading #S, every 50 readings):
#   sent + queued + lagged + dropped + (readings still in its ring or link task) == S + 1.
#   The tap also splits its gaps in the sequence by whether the dashboard's link
#   reconnected in between (`outage`) or not (`connected`); readings delivered late just
#   after a reconnect can move a hole to `connected`, so this split is for reading only.
# The checks (exit 1 if any fails):
#   - the tap's own counts add up: delivered + gaps == last seq - first seq + 1 (fails on
#     readings out of order, a sensor reboot, or a miscount), hence
#     produced == delivered + missed;
#   - the sensor's counters add up at its last status line: what is neither sent, queued,
#     lagged nor dropped is between 0 and the ring's 256 + the 1 the link task holds;
#   - every part of missed is >= 0 (the dashboard's link received no more than the sensor
#     sent, and its tap no more than the link received), and with no broker restart
#     nothing was lost at the broker;
#   - no sensor reboot, no decode error, and neither node ended by itself;
#   - both nodes logged in to the broker as their own user;
#   - nothing panicked: no `panicked` / `panic:` in either node's output;
#   - the dashboard's RSS after warm-up (the first sample at or after 60 s) grew by at most
#     SOAK_RSS_GROWTH_KIB (default 2048 KiB) by the end.
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
cargo build --release -q -p climate-host --bin dashboard
(cd firmware && env -u CARGO_TARGET_DIR cargo build --release -q -p climate-sensor)
dashboard_bin="${CARGO_TARGET_DIR:-$root/target}/release/dashboard"
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

# 7. The figures.
field() { # name: value from the dashboard's summary line
  grep -o "summary: .*" "$dir/dashboard.log" | tail -1 | tr ' ' '\n' | sed -n "s/^$1=//p"
}
fail=()
[ -n "$ended" ] && fail+=("$ended")
if ! grep -q "summary: " "$dir/dashboard.log"; then
  fail+=("the dashboard printed no summary line")
fi
received=$(field received); gaps=$(field missed); outage=$(field missed_outage)
connected=$(field missed_connected); first=$(field first_seq); last=$(field last_seq)
dups=$(field duplicates); reboots=$(field sensor_restarts)
dash_reconnects=$(field reconnects); decode=$(field decode_errors); oversize=$(field oversize)
link_received=$(field link_received); link_dups=$(field link_duplicates)
sensor_line=$(grep -a "reading #" "$dir/sensor.log" | tail -1 || true)
sensor_last=$(sed -n 's/.*reading #\([0-9]*\).*/\1/p' <<<"$sensor_line")
sensor_reconnects=$(sed -n 's/.*(\([0-9]*\) reconnects).*/\1/p' <<<"$sensor_line")
link_counts=$(sed -n 's/.*link: \([0-9]*\) sent, \([0-9]*\) queued, \([0-9]*\) lagged, \([0-9]*\) dropped.*/\1 \2 \3 \4/p' <<<"$sensor_line")
read -r s_sent s_queued s_lagged s_dropped <<<"${link_counts:-x x x x}"
[[ "$first" =~ ^[0-9]+$ && "$last" =~ ^[0-9]+$ && "$sensor_last" =~ ^[0-9]+$ ]] ||
  { fail+=("no readings seen (sensor last '#${sensor_last:-none}', dashboard first '${first:-none}')"); first=0 last=0 sensor_last=0 received=0 gaps=0; }
[[ "$s_sent" =~ ^[0-9]+$ ]] ||
  { fail+=("the sensor's status line has no link counters: '$sensor_line'"); s_sent=0 s_queued=0 s_lagged=0 s_dropped=0; }
produced=$(( (sensor_last > last ? sensor_last : last) + 1 ))
tail_missed=$((produced - 1 - last))
missed=$((first + gaps + tail_missed))
span=$((last - first + 1))
if [ $((received + gaps)) -ne "$span" ]; then
  fail+=("tap counts do not add up: delivered $received + gaps $gaps != last - first + 1 = $span")
fi
# The sensor at its last status line (reading #sensor_last, so sensor_last + 1 made).
# What is neither sent, queued, lagged nor dropped waits in the reading's ring (256 in
# topologies/climate.toml) or in the link task's hands (1).
in_sensor=$((sensor_last + 1 - s_sent - s_queued - s_lagged - s_dropped))
in_sensor_max=$((256 + 1))
if [ "$in_sensor" -lt 0 ] || [ "$in_sensor" -gt "$in_sensor_max" ]; then
  fail+=("sensor counts do not add up at #$sensor_last: $((sensor_last + 1)) made - sent $s_sent - queued $s_queued - lagged $s_lagged - dropped $s_dropped = $in_sensor, not in 0..=$in_sensor_max (its ring of 256 + the 1 its link task holds)")
fi
link_received="${link_received:-0}"
# The link's arrivals, each counted once by the dashboard before its buffer (its `witness`
# route): what arrived again (QoS 1 redeliveries, resends) is not a reading the buffer
# overwrote, so it is taken out here.
link_dups="${link_dups:-0}"
overwritten=$((link_received - link_dups - received))
at_broker=$((missed - s_lagged - s_dropped - overwritten))
[ "$overwritten" -ge 0 ] ||
  fail+=("the dashboard's link received $link_received ($link_dups again), fewer than the tap's $received")
[ "$at_broker" -ge 0 ] ||
  fail+=("counted losses exceed missed: lagged $s_lagged + dropped $s_dropped + overwritten $overwritten > missed $missed")
# QoS 1, persistent sessions and a broker that persists them: nothing is lost at the
# broker, restarts or not (issue 21).
[ "$at_broker" -eq 0 ] ||
  fail+=("$at_broker readings lost at the broker (QoS 1, persistent sessions: expected 0)")
[ "${decode:-0}" -eq 0 ] || fail+=("the dashboard's link rejected $decode payloads")
[ "${reboots:-0}" -eq 0 ] || fail+=("the sensor rebooted ${reboots}x (sequence started again)")
# Both nodes logged in as themselves (the broker refuses anonymous clients).
grep -a -q 'MQTT login: user `sensor`' "$dir/sensor.log" ||
  fail+=("the sensor firmware did not log in as user sensor: $(grep -a -m1 'MQTT login' "$dir/sensor.log" || echo 'no login line')")
grep -a -q 'login: user `dashboard`' "$dir/dashboard.log" ||
  fail+=("the dashboard did not log in as user dashboard")
panics=$(grep -a -h -E 'panicked|panic:' "$dir/dashboard.log" "$dir/sensor.log" || true)
[ -z "$panics" ] || fail+=("panic: $(head -1 <<<"$panics")")

rss_first=$(awk 'NF == 2 { print $2; exit }' "$dir/rss.txt")
rss_last=$(awk 'NF == 2 { v = $2 } END { print v }' "$dir/rss.txt")
rss_max=$(awk 'NF == 2 && $2 > m { m = $2 } END { print m + 0 }' "$dir/rss.txt")
rss_warm=$(awk -v w="$warmup_s" 'NF == 2 && $1 >= w { print $2; exit }' "$dir/rss.txt")
rss_warm="${rss_warm:-$rss_first}"
rss_last="${rss_last:-0}"; rss_warm="${rss_warm:-0}"
growth=$((rss_last - rss_warm))
[ "$growth" -le "$rss_limit_kib" ] ||
  fail+=("dashboard RSS grew by $growth KiB after warm-up (limit $rss_limit_kib KiB)")

ok() { if [ "$1" -eq "$2" ]; then echo "yes"; else echo "NO"; fi; }
cat <<EOF
==================== soak summary ====================
duration           ${elapsed} s (asked ${minutes} min), broker restarts ${restarts} (every ${every} min, ${outage_s} s down)
produced           ${produced}   (sensor's last printed #${sensor_last}, dashboard's last seen #${last}; + 1)
delivered          ${received}   (distinct readings the dashboard's tap received; duplicates apart: ${dups})
missed             ${missed}   = lagged ${s_lagged} + dropped ${s_dropped} (at the sensor) + overwritten ${overwritten} (at the dashboard) + at broker ${at_broker}
  in the sequence  before first ${first} + gaps ${gaps} (across a dashboard reconnect ${outage}, while it was connected ${connected}) + tail ${tail_missed}
adds up            $(ok "$produced" $((received + missed))): produced ${produced} == delivered ${received} + missed ${missed}; tap: ${received} + ${gaps} == #${last} - #${first} + 1 = ${span}
sensor at #${sensor_last}    $((sensor_last + 1)) made = sent ${s_sent} + queued ${s_queued} + lagged ${s_lagged} + dropped ${s_dropped} + ${in_sensor} in its ring or link task
dashboard link     received ${link_received} from the broker = delivered ${received} + arrived again ${link_dups} (QoS 1 at least once; ${dups} of them reached the tap) + overwritten ${overwritten}
reconnects         sensor ${sensor_reconnects:-?}, dashboard ${dash_reconnects:-?}
decode errors      ${decode:-?} (oversize ${oversize:-?}); sensor reboots ${reboots:-?}
dashboard RSS      first ${rss_first:-?} KiB, after warm-up (${warmup_s} s) ${rss_warm:-?} KiB, last ${rss_last:-?} KiB, max ${rss_max} KiB; growth after warm-up ${growth} KiB (limit ${rss_limit_kib} KiB)
panics             $(if [ -z "$panics" ]; then echo none; else echo "$panics" | head -3; fi)
samples / logs     $(wc -l <"$dir/rss.txt") RSS samples; $dir
EOF
if [ ${#fail[@]} -gt 0 ]; then
  printf 'result             FAIL\n'
  printf '  - %s\n' "${fail[@]}"
  exit 1
fi
echo "result             PASS"
exit
}
