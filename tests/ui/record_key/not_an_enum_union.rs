use aimdb::RecordKey;

#[derive(RecordKey)]
union ClimateKey {
    reading: u8,
    setpoint: u16,
}

fn main() {}
