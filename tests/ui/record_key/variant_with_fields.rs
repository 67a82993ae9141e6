use aimdb::RecordKey;

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
enum ClimateKey {
    #[key = "climate/zone-a/reading"]
    Reading(u8),
    #[key = "climate/zone-a/setpoint"]
    Setpoint { celsius: i16 },
    #[key = "climate/zone-a/mode"]
    Mode,
}

fn main() {}
