include!("../../topology/climate.rs");
include!("../../topology/functions.rs");

aimdb::topology!(file = "$AIMDB_REPO/tests/topologies-broken/climate_toml_syntax.toml", node = "dashboard");

fn main() {}
