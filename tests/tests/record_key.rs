//! Runtime behaviour of `#[derive(RecordKey)]`: the keys, prefixes, link addresses and const
//! items a derived enum provides, used the ways a topology uses them.

use aimdb::RecordKey;

// The seed's enums, exactly as written there.
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

/// Prefixed keys with link addresses on some variants.
#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
#[key_prefix = "plant/line-1/"]
enum PlantKey {
    #[key = "pump"]
    #[link_address = "mqtt://plant/line-1/pump"]
    Pump,
    #[key = "valve/inlet"]
    ValveInlet,
    #[link_address = "serial://valve-outlet"]
    #[key = "valve/outlet"]
    ValveOutlet,
}

// `key_str` is a `const fn`: it initialises statics and consts.
static READING_KEY: &str = ClimateKey::Reading.key_str();
const APPLIED_KEY: &str = SetpointKey::Applied.key_str();
// A key as a trait object in a static, as generated topology code holds them.
static APPLIED_DYN: &dyn RecordKey = &SetpointKey::Applied;
static PUMP_DYN: &dyn RecordKey = &PlantKey::Pump;
// Usable inside a const evaluation too, e.g. to size a table from the number of keys.
const SETPOINT_KEY_COUNT: usize = SetpointKey::KEYS.len();
static KEY_LENGTHS: [usize; SETPOINT_KEY_COUNT] = {
    let mut lengths = [0; SETPOINT_KEY_COUNT];
    let mut index = 0;
    while index < SETPOINT_KEY_COUNT {
        lengths[index] = SetpointKey::KEYS[index].len();
        index += 1;
    }
    lengths
};

const ALL_SETPOINT: [SetpointKey; 4] = [
    SetpointKey::RequestOperatorA,
    SetpointKey::RequestOperatorB,
    SetpointKey::RequestAutotuner,
    SetpointKey::Applied,
];

#[test]
fn as_str_returns_each_variants_key() {
    let got: Vec<&str> = ALL_SETPOINT.iter().map(|key| key.as_str()).collect();
    assert_eq!(
        got,
        [
            "request/operator-a",
            "request/operator-b",
            "request/autotuner",
            "applied"
        ]
    );
    assert_eq!(ClimateKey::Reading.as_str(), "climate/zone-a/reading");
}

#[test]
fn key_str_and_as_str_agree_for_every_variant() {
    for key in ALL_SETPOINT {
        assert_eq!(key.key_str(), RecordKey::as_str(&key));
    }
    for key in [PlantKey::Pump, PlantKey::ValveInlet, PlantKey::ValveOutlet] {
        assert_eq!(key.key_str(), RecordKey::as_str(&key));
    }
}

#[test]
fn prefix_is_prepended_to_every_key() {
    assert_eq!(PlantKey::Pump.as_str(), "plant/line-1/pump");
    assert_eq!(PlantKey::ValveInlet.as_str(), "plant/line-1/valve/inlet");
    assert_eq!(PlantKey::ValveOutlet.as_str(), "plant/line-1/valve/outlet");
    assert_eq!(
        PlantKey::KEYS,
        [
            "plant/line-1/pump",
            "plant/line-1/valve/inlet",
            "plant/line-1/valve/outlet"
        ]
    );
}

#[test]
fn link_address_is_the_variants_own_or_none() {
    assert_eq!(
        PlantKey::Pump.link_address(),
        Some("mqtt://plant/line-1/pump")
    );
    assert_eq!(PlantKey::ValveInlet.link_address(), None);
    // The attribute order on the variant does not matter.
    assert_eq!(
        PlantKey::ValveOutlet.link_address(),
        Some("serial://valve-outlet")
    );
    for key in ALL_SETPOINT {
        assert_eq!(key.link_address(), None, "{key:?}");
    }
    // The address is not mixed into the key.
    assert_eq!(PlantKey::Pump.as_str(), "plant/line-1/pump");
}

#[test]
fn const_keys_work_in_statics() {
    assert_eq!(READING_KEY, "climate/zone-a/reading");
    assert_eq!(APPLIED_KEY, "applied");
    assert_eq!(KEY_LENGTHS, [18, 18, 17, 7]);
}

#[test]
fn keys_list_every_key_in_declaration_order() {
    assert_eq!(
        SetpointKey::KEYS,
        [
            "request/operator-a",
            "request/operator-b",
            "request/autotuner",
            "applied"
        ]
    );
    assert_eq!(ClimateKey::KEYS, ["climate/zone-a/reading"]);
    // KEYS[i] is the key of the i-th declared variant.
    for (index, key) in ALL_SETPOINT.iter().enumerate() {
        assert_eq!(SetpointKey::KEYS[index], key.as_str());
    }
}

#[test]
fn a_variant_in_a_static_is_a_dyn_record_key() {
    assert_eq!(APPLIED_DYN.as_str(), "applied");
    assert_eq!(APPLIED_DYN.link_address(), None);
    assert_eq!(PUMP_DYN.as_str(), "plant/line-1/pump");
    assert_eq!(PUMP_DYN.link_address(), Some("mqtt://plant/line-1/pump"));
    // A derived key and a `&'static str` key with the same text name the same record.
    let text: &dyn RecordKey = &"applied";
    assert_eq!(APPLIED_DYN.as_str(), text.as_str());
}

#[test]
fn derived_keys_are_send_sync_and_copy() {
    fn shareable<T: RecordKey + Send + Sync + Copy + 'static>(_: T) {}
    shareable(SetpointKey::Applied);
    shareable(ClimateKey::Reading);
    // The derive adds no size: a fieldless enum stays a small tag.
    assert!(core::mem::size_of::<SetpointKey>() <= 1);
}
