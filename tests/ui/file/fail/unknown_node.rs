include!("../climate_system.rs");
include!("../../topology/functions.rs");

aimdb::topology!(file = "$AIMDB_REPO/topologies/climate.toml", node = "sensr");

fn main() {}
