use aimdb::RecordKey;

// rustc reports the unknown attribute; the derive reports the key it lacks.
#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
enum ClimateKey {
    #[kye = "climate/zone-a/reading"]
    Reading,
}

fn main() {}
