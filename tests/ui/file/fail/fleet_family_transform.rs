include!("../../topology/climate.rs");
include!("../../topology/functions.rs");

aimdb::topology!(file = "$AIMDB_REPO/tests/topologies-broken/fleet_family_transform.toml", node = "sensor");

fn main() {}
