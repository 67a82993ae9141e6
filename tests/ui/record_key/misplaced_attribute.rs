use aimdb::RecordKey;

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
#[key = "climate"]
#[link_address = "mqtt://climate"]
enum ClimateKey {
    #[key_prefix = "climate/"]
    #[key = "reading"]
    Reading,
}

fn main() {}
