//! The seed's key enums, exactly as users paste them, used the ways a topology uses them.
#![deny(missing_docs, warnings)]

use aimdb::RecordKey;

// From the seed, unchanged.
#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
enum SetpointKey {
    #[key = "request/operator-a"]
    RequestOperatorA,
    #[key = "request/operator-b"]
    RequestOperatorB,
    #[key = "request/autotuner"]
    RequestAutotuner,
    #[key = "applied"]
    Applied,
}

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
enum ClimateKey {
    #[key = "climate/zone-a/reading"]
    Reading,
}

/// A public key enum: the generated `key_str` and `KEYS` carry docs, so `missing_docs` holds.
#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
#[key_prefix = "plant/"]
pub enum PlantKey {
    /// The pump.
    #[key = "pump"]
    #[link_address = "mqtt://plant/pump"]
    Pump,
    /// A key written as a raw string.
    #[key = r"valve_1.v-2"]
    Valve,
}

/// An enum without variants is a valid (if useless) set of keys.
#[derive(RecordKey)]
pub enum NoKeys {}

static READING: &str = ClimateKey::Reading.key_str();
static APPLIED: &dyn RecordKey = &SetpointKey::Applied;
const PUMP_IS_PREFIXED: bool = PlantKey::Pump.key_str().len() == "plant/pump".len();

fn main() {
    assert_eq!(READING, "climate/zone-a/reading");
    assert_eq!(APPLIED.as_str(), "applied");
    assert!(PUMP_IS_PREFIXED);
    assert_eq!(SetpointKey::KEYS.len(), 4);
    assert_eq!(NoKeys::KEYS.len(), 0);
    assert_eq!(PlantKey::Valve.as_str(), "plant/valve_1.v-2");
    let _ = (
        SetpointKey::RequestOperatorA,
        SetpointKey::RequestOperatorB,
        SetpointKey::RequestAutotuner,
    );
}
