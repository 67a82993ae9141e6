include!("../climate_system.rs");

// The file names `read_temperature_loop` as the sensor's source; this one takes the wrong handle.
#[allow(dead_code)]
async fn read_temperature_loop(_consumer: aimdb::Consumer<'static, Temperature>) {}

aimdb::topology!(file = "$AIMDB_REPO/topologies/climate.toml", node = "sensor");

fn main() {}
