use aimdb::RecordKey;

#[derive(RecordKey)]
struct ClimateKey {
    reading: u8,
}

#[derive(RecordKey)]
struct UnitKey;

fn main() {}
