// topologies/climate.toml pins the reading's contract (`contract = "d2660728cb357589"`);
// this `Temperature` gained a field, so its fingerprint is another and the node does not build.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, aimdb::contract::Schema)]
#[postcard(crate = aimdb::contract::postcard_schema)]
pub struct Temperature {
    pub seq: u32,
    pub celsius: f32,
    pub taken_us: u64,
    pub humidity: f32,
}

include!("../../topology/functions.rs");

aimdb::topology!(file = "$AIMDB_REPO/topologies/climate.toml", node = "sensor");

fn main() {}
