use aimdb::RecordKey;

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
enum ClimateKey {
    #[key = "/climate/zone-a/reading"]
    Leading,
    #[key = "climate/zone-a/"]
    Trailing,
    #[key = "climate//reading"]
    Double,
    #[key = "climate/zone-a/ok"]
    Fine,
}

fn main() {}
