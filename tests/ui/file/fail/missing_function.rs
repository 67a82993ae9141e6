include!("../climate_system.rs");

// `read_temperature_loop` (the sensor's source in the file) is not defined here.
aimdb::topology!(file = "$AIMDB_REPO/topologies/climate.toml", node = "sensor");

fn main() {}
