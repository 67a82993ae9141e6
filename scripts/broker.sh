#!/usr/bin/env bash
# A local mosquitto on 127.0.0.1 for the demo and manual use, enforcing a topology file.
#
#   scripts/broker.sh start [PORT] [--topology FILE]   start it (default port 1883) in the
#                                                      background
#   scripts/broker.sh stop                             stop the one this script started
#   scripts/broker.sh status                           say whether it runs
#
# The broker enforces the topology (default topologies/climate.toml; `--topology FILE` or
# AIMDB_TOPOLOGY=FILE for another, e.g. topologies/setpoint.toml): `allow_anonymous false`,
# the ACL `aimdb acl FILE` writes (each node may write what it owns and read what it
# observes, nothing else), one password per node, and `use_username_as_clientid true` (a
# client's id is its user name, so no client can kick a node off by taking its id).
# scripts/broker-credentials.sh makes the ACL and the passwords; the nodes' logins are in
# target/mosquitto/credentials (mode 600; kept across restarts), which the demo reads.
#
# Sessions persist: the nodes keep theirs (a host node's default, an embassy node that
# observes at QoS 1), and the broker writes sessions, subscriptions and queued QoS 1 messages
# to target/mosquitto/store/ after every change, so a restart, even a SIGKILL, loses nothing
# it took; up to 10,000 messages wait for a node that is away (100 s of a 100/s record), and
# a session unused for a day is dropped (docs/reliability.md, "A broker that restarts").
#
# Publishes with a payload above 5120 bytes (the nodes' 4096-byte payload limit plus
# headroom; AIMDB_MESSAGE_SIZE_LIMIT=BYTES for another) are refused by the broker
# (mosquitto's message_size_limit).
#
# Browser nodes (runtime = "wasm") speak MQTT over WebSocket: a second listener, on
# AIMDB_BROKER_WS_PORT (default PORT + 8000, so 9883 beside 1883), bound to the interface
# `lo`. mosquitto 2.0.11 reads a websockets listener's address as an interface name: written
# `127.0.0.1` the lookup fails and it silently listens on every interface, so never that.
# The port is written to target/mosquitto/ws-port.
#
# Config, ACL, password file, pid file and log live under target/mosquitto/. Needs
# mosquitto: apt-get install mosquitto mosquitto-clients
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/target/mosquitto"
pidfile="$dir/mosquitto.pid"

find_mosquitto() {
    if [[ -n "${MOSQUITTO:-}" ]]; then echo "$MOSQUITTO"; return; fi
    if command -v mosquitto >/dev/null 2>&1; then command -v mosquitto; return; fi
    if [[ -x /usr/sbin/mosquitto ]]; then echo /usr/sbin/mosquitto; return; fi
    echo "broker.sh: mosquitto not found; install it: apt-get install mosquitto mosquitto-clients" >&2
    exit 1
}

running() {
    [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

start() {
    local port="" topology="${AIMDB_TOPOLOGY:-$root/topologies/climate.toml}"
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --topology) topology="${2:?--topology needs a FILE}"; shift 2 ;;
            --topology=*) topology="${1#--topology=}"; shift ;;
            *) if [[ -z "$port" ]]; then port="$1"; shift; else
                   echo "broker.sh: unexpected argument '$1'" >&2; exit 2; fi ;;
        esac
    done
    port="${port:-1883}"
    if ! [[ "$port" =~ ^[0-9]+$ ]] || (( port < 1 || port > 65535 )); then
        echo "broker.sh: PORT must be a number from 1 to 65535, not '$port'" >&2
        exit 2
    fi
    if running; then
        echo "broker.sh: already running (pid $(cat "$pidfile")); stop it first" >&2
        exit 1
    fi
    # The broker refuses publishes whose payload is above the nodes' payload limit (the
    # connectors' max_payload, 4096 bytes) plus headroom, so no node is ever sent one; a
    # client's own packet limit is the second line of defence, not the first.
    local message_size_limit="${AIMDB_MESSAGE_SIZE_LIMIT:-$((4096 + 1024))}"
    if ! [[ "$message_size_limit" =~ ^[0-9]+$ ]]; then
        echo "broker.sh: AIMDB_MESSAGE_SIZE_LIMIT must be a number of bytes" >&2
        exit 2
    fi
    local ws_port="${AIMDB_BROKER_WS_PORT:-$((port + 8000))}"
    if ! [[ "$ws_port" =~ ^[0-9]+$ ]] || (( ws_port < 1 || ws_port > 65535 )); then
        echo "broker.sh: AIMDB_BROKER_WS_PORT must be a port number, not '$ws_port'" >&2
        exit 2
    fi
    local program
    program="$(find_mosquitto)"
    mkdir -p "$dir"
    # The broker's store (mosquitto started as root runs as user `mosquitto`).
    mkdir -p "$dir/store" && chmod 777 "$dir/store"
    # The ACL and the per-node passwords (existing passwords are kept).
    "$root/scripts/broker-credentials.sh" "$topology" "$dir" | sed 's/^broker-credentials.sh: /broker.sh: /'
    cat > "$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
use_username_as_clientid true
allow_anonymous false
password_file $dir/passwd
acl_file $dir/acl
persistence true
persistence_location $dir/store/
autosave_on_changes true
autosave_interval 1
persistent_client_expiration 1d
max_queued_messages 10000
message_size_limit $message_size_limit
log_dest stderr
# MQTT over WebSocket for browser nodes, on loopback only (the interface name; see above).
listener $ws_port lo
protocol websockets
CONF
    echo "$ws_port" > "$dir/ws-port"
    # Run in the background from this shell rather than with `-d`: mosquitto started as
    # root drops to the `mosquitto` user and could not write a pid or log file under target/.
    # The shell (still us) opens the log and records the pid.
    # In a session of its own (setsid): a Ctrl-C in the terminal reaches the nodes, which
    # disconnect cleanly, but not the broker, which the demo stops after them.
    session=""; command -v setsid >/dev/null && session=setsid
    $session nohup "$program" -c "$dir/mosquitto.conf" >"$dir/mosquitto.log" 2>&1 </dev/null &
    echo $! > "$pidfile"
    # Wait (bounded) until it listens.
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$ws_port") 2>/dev/null; then
            echo "mosquitto listening on 127.0.0.1:$port and ws://127.0.0.1:$ws_port (interface lo) (pid $(cat "$pidfile")), enforcing $topology; logins in $dir/credentials"
            return
        fi
        if ! running; then
            echo "broker.sh: mosquitto exited at start:" >&2
            cat "$dir/mosquitto.log" >&2
            rm -f "$pidfile"
            exit 1
        fi
        sleep 0.05
    done
    echo "broker.sh: mosquitto did not listen on 127.0.0.1:$port within 5 s; see $dir/mosquitto.log" >&2
    exit 1
}

stop() {
    if running; then
        local pid
        pid="$(cat "$pidfile")"
        kill "$pid"
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        rm -f "$pidfile"
        echo "mosquitto stopped (pid $pid)"
    else
        rm -f "$pidfile"
        echo "mosquitto is not running (nothing started by this script)"
    fi
}

case "${1:-}" in
    start) shift; start "$@" ;;
    stop) stop ;;
    status) if running; then echo "running (pid $(cat "$pidfile"))"; else echo "not running"; exit 1; fi ;;
    *) echo "usage: $0 start [PORT] [--topology FILE] | stop | status" >&2; exit 2 ;;
esac
