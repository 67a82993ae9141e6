use aimdb::RecordKey;

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
enum ClimateKey {
    #[key = "climate/zone a/reading"]
    Reading,
    #[key = "climate/zone-a/temp°C#1"]
    Celsius,
    #[key = "climate/zone-a/ok_1.v-2"]
    Fine,
}

fn main() {}
