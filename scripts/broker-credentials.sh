#!/usr/bin/env bash
# What a broker needs to enforce a topology file: its ACL, and one login per node.
#
#   scripts/broker-credentials.sh TOPOLOGY [DIR]      DIR defaults to target/mosquitto
#
# Writes, in DIR:
#   acl          the mosquitto acl_file: `aimdb acl TOPOLOGY` (one user per node, writing
#                what it owns and reading what it observes, nothing else)
#   passwd       the mosquitto password_file: one hashed entry per node (mode 600)
#   credentials  the plaintext logins the nodes are started with, one `NODE=PASSWORD`
#                line per node (mode 600; read by scripts/demo.sh, scripts/soak.sh and the
#                firmware through QEMU's `-append "mqtt-credentials=DIR/credentials"`)
#
# Each node's password (no line break, no ':') is, in this order:
# $AIMDB_MQTT_PASSWORD_<NODE> (the node's name upper-cased: AIMDB_MQTT_PASSWORD_SENSOR,
# AIMDB_MQTT_PASSWORD_CONSOLE_A); the one already in DIR/credentials (so a broker restarted
# while nodes run still knows them); or 128 random bits from /dev/urandom. Nothing secret is in the topology or the repository, and
# no password is printed or put on a command line (mosquitto_passwd -U hashes the file in
# place). Delete DIR/credentials to draw new passwords.
#
# AIMDB_CLI=PATH uses that `aimdb` binary instead of `cargo run -p aimdb-cli`.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
topology="${1:?usage: scripts/broker-credentials.sh TOPOLOGY [DIR]}"
dir="${2:-$root/target/mosquitto}"
[[ -f "$topology" ]] || { echo "broker-credentials.sh: no topology file '$topology'" >&2; exit 2; }

passwd_program() {
    if command -v mosquitto_passwd >/dev/null 2>&1; then command -v mosquitto_passwd; return; fi
    if [[ -x /usr/bin/mosquitto_passwd ]]; then echo /usr/bin/mosquitto_passwd; return; fi
    echo "broker-credentials.sh: mosquitto_passwd not found; install it: apt-get install mosquitto" >&2
    exit 1
}
mosquitto_passwd="$(passwd_program)"

mkdir -p "$dir"
umask 077

# 1. The ACL, from the compiler (the file is checked first: a broken file makes no ACL).
acl_new="$dir/acl.new"
if [[ -n "${AIMDB_CLI:-}" ]]; then
    "$AIMDB_CLI" acl "$topology" -o "$acl_new"
else
    cargo run --quiet --manifest-path "$root/Cargo.toml" -p aimdb-cli -- acl "$topology" -o "$acl_new"
fi
chmod 644 "$acl_new"  # not secret: the broker (possibly another user) reads it
mv "$acl_new" "$dir/acl"
mapfile -t nodes < <(sed -n 's/^user //p' "$dir/acl")
[[ ${#nodes[@]} -gt 0 ]] || { echo "broker-credentials.sh: $topology has no nodes" >&2; exit 1; }

# 2. One password per node.
old="$dir/credentials"
creds="$dir/credentials.new"
plain="$dir/passwd.new"
: >"$creds"
: >"$plain"
{
    echo "# MQTT logins for the nodes of $topology (scripts/broker-credentials.sh)."
    echo "# Plaintext: keep this file private (mode 600); never commit it."
} >>"$creds"
for node in "${nodes[@]}"; do
    var="AIMDB_MQTT_PASSWORD_$(tr '[:lower:]' '[:upper:]' <<<"$node")"
    password="${!var:-}"
    from="\$$var"
    if [[ -z "$password" && -f "$old" ]]; then
        password="$(sed -n "s/^$node=//p" "$old" | head -n 1)"
        from="kept from $old"
    fi
    if [[ -z "$password" ]]; then
        password="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
        from="drawn at random (128 bits)"
    fi
    # A line break would end the entry; mosquitto_passwd -U cuts a password at a `:`.
    if [[ "$password" == *$'\n'* || "$password" == *$'\r'* || "$password" == *:* ]]; then
        echo "broker-credentials.sh: node $node's password ($from) holds a line break or a ':'" >&2
        rm -f "$creds" "$plain"
        exit 2
    fi
    printf '%s=%s\n' "$node" "$password" >>"$creds"
    printf '%s:%s\n' "$node" "$password" >>"$plain"
    echo "broker-credentials.sh: node $node: password ${#password} characters, $from"
done
# Hash in place: the passwords never appear in a process list.
"$mosquitto_passwd" -U "$plain"
# mosquitto started as root drops to its own user before it reads the password file.
if [[ "$(id -u)" == 0 ]] && id mosquitto >/dev/null 2>&1; then
    chown mosquitto "$plain"
fi
mv "$plain" "$dir/passwd"
mv "$creds" "$old"
echo "broker-credentials.sh: wrote $dir/acl, $dir/passwd and $dir/credentials (${#nodes[@]} nodes)"
