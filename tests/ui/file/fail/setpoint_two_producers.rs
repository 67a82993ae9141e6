include!("../setpoint.rs");

aimdb::topology!(file = "$AIMDB_REPO/tests/topologies-broken/setpoint_two_producers.toml", node = "console_b");

fn main() {}
