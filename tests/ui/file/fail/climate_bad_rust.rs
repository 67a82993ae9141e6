include!("../../topology/climate.rs");
include!("../../topology/functions.rs");

aimdb::topology!(file = "$AIMDB_REPO/tests/topologies-broken/climate_bad_rust.toml", node = "sensor");

fn main() {}
