use aimdb::RecordKey;

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
#[key_prefix = "climate/"]
#[key_prefix = "weather/"]
enum ClimateKey {
    #[key = "reading"]
    #[key = "reading-2"]
    Reading,
    #[key = "setpoint"]
    #[link_address = "mqtt://climate/setpoint"]
    #[link_address = "mqtt://climate/setpoint-2"]
    Setpoint,
}

fn main() {}
