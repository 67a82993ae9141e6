include!("../setpoint.rs");

aimdb::topology!(file = "$AIMDB_REPO/tests/topologies-broken/setpoint_no_writer.toml", node = "controller");

fn main() {}
