include!("../../topology/climate.rs");
include!("../../topology/functions.rs");

aimdb::topology!(file = "$AIMDB_REPO/tests/topologies-broken/climate_codec_mismatch.toml", node = "dashboard");

fn main() {}
