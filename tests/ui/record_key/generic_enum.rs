use aimdb::RecordKey;

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
enum ClimateKey<T> {
    #[key = "climate/zone-a/reading"]
    Reading,
    #[key = "climate/zone-a/other"]
    Other(T),
}

#[derive(RecordKey, Clone, Copy)]
enum LifetimeKey<'a> {
    #[key = "climate/zone-a/ref"]
    Ref(&'a u8),
}

fn main() {}
