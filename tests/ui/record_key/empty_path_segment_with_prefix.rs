use aimdb::RecordKey;

// The prefix ends with `/` and a key starts with one: the `//` is where they meet.
#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
#[key_prefix = "climate/"]
enum ClimateKey {
    #[key = "/reading"]
    Reading,
    #[key = "setpoint"]
    Setpoint,
}

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
#[key_prefix = "/weather//"]
enum WeatherKey {
    #[key = "wind"]
    Wind,
}

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
#[key_prefix = ""]
enum EmptyPrefixKey {
    #[key = "wind"]
    Wind,
}

fn main() {}
