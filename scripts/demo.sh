#!/usr/bin/env bash
# The climate demo: one topology file (topologies/climate.toml), three generated nodes: the
# sensor (firmware in QEMU), the dashboard (host) and the browser (wasm, run by the page).
#
#   scripts/demo.sh                      build, start a broker, boot the sensor firmware in
#                                        QEMU, run the dashboard on the host; Ctrl-C stops all
#   scripts/demo.sh --broker HOST:PORT   use that broker instead of starting one
#                                        (or AIMDB_BROKER=HOST:PORT)
#
# The sensor node runs as Cortex-M4 firmware in QEMU (mps2-an386); its UART0 is wired
# straight to the broker and speaks MQTT. Without qemu-system-arm (or with
# AIMDB_DEMO_HOST_SENSOR=1) the same node, generated from the same file, runs on the host
# instead. Every node prints a status line: `[sensor    qemu] ...`, `[dashboard host] ...`.
#
# The broker enforces the topology (scripts/broker.sh): anonymous clients are refused, and
# each node logs in as the user named after it, allowed to write what it owns and read what
# it observes. The demo passes each node its login at start-up (the dashboard and the host
# sensor through AIMDB_MQTT_PASSWORD, the firmware through QEMU's
# `-append "mqtt-credentials=FILE"`), from target/mosquitto/credentials (mode 600, made by
# scripts/broker-credentials.sh; set AIMDB_MQTT_PASSWORD_SENSOR / _DASHBOARD to choose them).
# With --broker, that broker needs target/mosquitto/acl and target/mosquitto/passwd too.
#
# Try the broker going away: in another terminal, `scripts/broker.sh stop`, wait, then
# `scripts/broker.sh start PORT` (the port the demo printed). Both nodes say "broker DOWN",
# then reconnect by themselves.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

say() { printf '[demo          ] %s\n' "$*"; }

broker="${AIMDB_BROKER:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --broker) broker="${2:?--broker needs HOST:PORT}"; shift 2 ;;
    --broker=*) broker="${1#--broker=}"; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

# 1. What the demo needs: the target, QEMU, mosquitto (installs what is missing).
scripts/setup.sh || say "setup.sh could not install everything; carrying on with what is there"

use_qemu=1
why=""
if [ "${AIMDB_DEMO_HOST_SENSOR:-0}" = 1 ]; then
  use_qemu=0; why="AIMDB_DEMO_HOST_SENSOR=1 asks for it"
elif ! command -v qemu-system-arm >/dev/null 2>&1; then
  use_qemu=0; why="qemu-system-arm is not installed (apt-get install qemu-system-arm)"
elif ! rustup target list --installed 2>/dev/null | grep -qx thumbv7em-none-eabihf; then
  use_qemu=0; why="the thumbv7em-none-eabihf target is missing (rustup target add thumbv7em-none-eabihf)"
fi

# 2. Build both nodes (timed: the first build compiles every dependency).
build_start=$(date +%s.%N)
say "building the dashboard (host) and the sensor node ..."
cargo build --release -q -p climate-host --bin dashboard --bin sensor-host
if [ "$use_qemu" = 1 ]; then
  # The firmware workspace has its own target dir (firmware/target), whatever the host uses.
  (cd firmware && env -u CARGO_TARGET_DIR cargo build --release -q -p climate-sensor)
fi
# The browser node's wasm bundle, which the dashboard serves under /pkg/.
scripts/build-browser.sh | sed 's/^build-browser.sh: /[demo          ] browser node: /'
build_end=$(date +%s.%N)
say "build took $(awk -v a="$build_start" -v b="$build_end" 'BEGIN { printf "%.1f", b - a }') s"
host_bin="${CARGO_TARGET_DIR:-$root/target}/release"
elf="$root/firmware/target/thumbv7em-none-eabihf/release/climate-sensor"
if [ "$use_qemu" = 1 ]; then
  scripts/firmware-size.sh "$elf" | sed 's/^/[demo          ] /' || true
fi

# 3. Everything started from here on is stopped on exit, Ctrl-C or kill, by its pid.
pids=()
started_broker=0
cleanup() {
  # Ignore further signals while cleaning up: `timeout -s INT` (and a second Ctrl-C) can
  # deliver INT twice, and a default INT here would kill the shell before the nodes.
  trap '' INT TERM
  trap - EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$started_broker" = 1 ]; then scripts/broker.sh stop >/dev/null || true; fi
  say "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 4. The broker: the one given, or a private mosquitto on 127.0.0.1.
listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
if [ -n "$broker" ]; then
  say "using the broker at $broker"
  scripts/broker-credentials.sh topologies/climate.toml | sed 's/^broker-credentials.sh: /[demo          ] /'
  say "if it enforces the topology, give it target/mosquitto/acl and target/mosquitto/passwd"
else
  port="${AIMDB_DEMO_PORT:-1883}"
  # Never borrow a broker someone else runs on that port.
  while listening 127.0.0.1 "$port"; do port=$((port + 1)); done
  scripts/broker.sh stop >/dev/null 2>&1 || true
  scripts/broker.sh start "$port" | sed 's/^/[demo          ] /'
  started_broker=1
  broker="127.0.0.1:$port"
fi

# Each node's login, from the credentials file (never printed, never on a command line).
creds="$root/target/mosquitto/credentials"
password_of() { sed -n "s/^$1=//p" "$creds" | head -n 1; }

# 5. The dashboard, which also serves the page (live values, chart, topology) to browsers;
#    a reader notes when the first reading arrives.
web="${AIMDB_WEB:-127.0.0.1:8080}"
if listening "${web%:*}" "${web##*:}"; then
  say "port ${web##*:} is in use; set AIMDB_WEB=127.0.0.1:PORT for the dashboard page"
  exit 1
fi
export AIMDB_WEB="$web"
page="http://$web/${AIMDB_WEB_TOKEN:+?token=$AIMDB_WEB_TOKEN}"
# Printed with the token masked, as aimdb_connectors::ws::mask_token does (s3…(12 chars)).
shown="http://$web/"
if [ -n "${AIMDB_WEB_TOKEN:-}" ]; then
  keep=""
  [ "${#AIMDB_WEB_TOKEN}" -ge 8 ] && keep="${AIMDB_WEB_TOKEN:0:2}"
  shown="http://$web/?token=${keep}…(${#AIMDB_WEB_TOKEN} chars) (the token is \$AIMDB_WEB_TOKEN)"
fi
first_reading() {
  local noted=0
  while IFS= read -r line; do
    printf '%s\n' "$line"
    if [ "$noted" = 0 ] && [[ "$line" == *" latest "* ]]; then
      noted=1
      say "first live reading $(awk -v a="$build_end" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the build finished"
    fi
  done
}
AIMDB_MQTT_USERNAME=dashboard AIMDB_MQTT_PASSWORD="$(password_of dashboard)" \
  "$host_bin/dashboard" --broker "$broker" > >(first_reading) 2>&1 &
pids+=($!)
# The page runs the browser node, which logs in to the broker's websockets listener as the
# user `browser`: its login goes in the address's fragment (never sent to a server). The
# full address is written to a file of mode 600, not printed.
page_file="$root/target/mosquitto/browser-url"
if [ -z "${AIMDB_BROKER:-}" ] && [ -f "$root/target/mosquitto/ws-port" ]; then
  ws_broker="ws://127.0.0.1:$(cat "$root/target/mosquitto/ws-port")"
  (umask 077; printf '%s#broker=%s&user=browser&password=%s\n' "$page" "$ws_broker" "$(password_of browser)" > "$page_file")
  say "dashboard page: $shown#broker=$ws_broker&user=browser&password=…  (the browser node's login: open the address in $page_file)"
else
  say "dashboard page: $shown  (with --broker, add #broker=ws://HOST:WSPORT&user=browser&password=… for the browser node)"
fi
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && command -v xdg-open >/dev/null && [ -f "$page_file" ]; then
  xdg-open "$(cat "$page_file")" >/dev/null 2>&1 || true
fi

# 6. The sensor: firmware in QEMU, or the same node on the host.
if [ "$use_qemu" = 1 ]; then
  say "booting the sensor firmware in QEMU (mps2-an386, Cortex-M4); UART0 -> MQTT -> $broker"
  # reconnect=1: QEMU dials the broker again every second if the connection breaks.
  # The firmware reads its login from the file named here, through semihosting
  # (board-mps2's `login`; QEMU splits -append at spaces, so the path must have none).
  case "$creds" in *" "*) say "the repository path has a space: the firmware cannot be given $creds" ;; esac
  scripts/qemu-mps2.sh --serial "tcp:$broker,nodelay=on,reconnect=1" \
    "$elf" "mqtt-credentials=$creds" </dev/null 2> >(grep -v 'terminating on signal' >&2) &
  pids+=($!)
else
  say "no QEMU sensor: $why."
  say "running the sensor node built for the host instead: the same node from topologies/climate.toml, on embassy's std executor, MQTT over TCP"
  AIMDB_MQTT_USERNAME=sensor AIMDB_MQTT_PASSWORD="$(password_of sensor)" \
    "$host_bin/sensor-host" --broker "$broker" </dev/null &
  pids+=($!)
fi

say "readings flow live below; Ctrl-C stops every node and the broker"
# Returns when a node ends by itself (then the trap stops the rest) or on Ctrl-C.
wait -n "${pids[@]}" || true
say "a node ended by itself"
