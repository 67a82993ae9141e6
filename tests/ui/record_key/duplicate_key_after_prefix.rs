use aimdb::RecordKey;

// The message names the full key, prefix included.
#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
#[key_prefix = "climate/zone-a/"]
enum ClimateKey {
    #[key = "reading"]
    Reading,
    #[key = "setpoint"]
    Setpoint,
    #[key = "reading"]
    ReadingAgain,
    #[key = "reading"]
    ReadingThird,
}

fn main() {}
