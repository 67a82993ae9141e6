include!("../../topology/climate.rs");
include!("../../topology/functions.rs");

aimdb::topology!(file = "$AIMDB_REPO/tests/topologies-broken/climate_tokio_on_mcu.toml", node = "sensor");

fn main() {}
