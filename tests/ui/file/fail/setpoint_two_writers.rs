include!("../setpoint.rs");

aimdb::topology!(file = "$AIMDB_REPO/tests/topologies-broken/setpoint_two_writers.toml", node = "autotuner");

fn main() {}
