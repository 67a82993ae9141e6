use aimdb::RecordKey;

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
#[key_prefix = "climate:zone-a/"]
enum ClimateKey {
    #[key = "reading"]
    Reading,
}

fn main() {}
