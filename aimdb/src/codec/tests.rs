//! Round trips against serde itself, on random values (proptest).

use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use super::*;
use aimdb_core::connector::CodecError;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Reading {
    seq: u32,
    celsius: f32,
    zone: u8,
    ok: bool,
    level: Option<i64>,
    mode: Mode,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
enum Mode {
    Off,
    Heat(u16),
    Cool { target: i16 },
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::Off),
        any::<u16>().prop_map(Mode::Heat),
        any::<i16>().prop_map(|target| Mode::Cool { target }),
    ]
}

prop_compose! {
    fn reading()(seq in any::<u32>(), celsius in -1.0e6f32..1.0e6, zone in any::<u8>(), ok in any::<bool>(),
                 level in any::<Option<i64>>(), mode in mode()) -> Reading {
        Reading { seq, celsius, zone, ok, level, mode }
    }
}

proptest! {
    #[cfg(feature = "postcard")]
    #[test]
    fn postcard_round_trips_and_matches_serde(value in reading()) {
        let mut buffer = [0u8; 64];
        let n = Postcard::encode(&value, &mut buffer).unwrap();
        // The same bytes postcard itself writes for the serde type.
        let expected = ::postcard::to_allocvec(&value).unwrap();
        prop_assert_eq!(&buffer[..n], expected.as_slice());
        prop_assert_eq!(Postcard::decode::<Reading>(&buffer[..n]).unwrap(), value);
    }

    #[cfg(feature = "json")]
    #[test]
    fn json_round_trips_and_matches_serde(value in reading()) {
        let mut buffer = [0u8; 256];
        let n = Json::encode(&value, &mut buffer).unwrap();
        let expected = serde_json::to_vec(&value).unwrap();
        prop_assert_eq!(&buffer[..n], expected.as_slice());
        let back: Reading = Json::decode(&buffer[..n]).unwrap();
        prop_assert_eq!(back, value);
    }

    #[cfg(feature = "cdr")]
    #[test]
    fn cdr_round_trips(value in reading()) {
        let mut buffer = [0u8; 64];
        let n = Cdr::encode(&value, &mut buffer).unwrap();
        prop_assert_eq!(&buffer[..4], &[0u8, 1, 0, 0][..]);
        prop_assert_eq!(Cdr::decode::<Reading>(&buffer[..n]).unwrap(), value);
    }

    #[cfg(feature = "cdr")]
    #[test]
    fn cdr_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = Cdr::decode::<Reading>(&bytes);
    }

    #[cfg(feature = "postcard")]
    #[test]
    fn postcard_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = Postcard::decode::<Reading>(&bytes);
    }
}

#[cfg(feature = "postcard")]
#[test]
fn a_value_that_does_not_fit_is_oversize_and_trailing_bytes_are_malformed() {
    let value = Reading {
        seq: u32::MAX,
        celsius: 1.0,
        zone: 1,
        ok: true,
        level: Some(i64::MAX),
        mode: Mode::Off,
    };
    let mut small = [0u8; 4];
    assert_eq!(
        Postcard::encode(&value, &mut small),
        Err(CodecError::Oversize)
    );
    let mut buffer = [0u8; 64];
    let n = Postcard::encode(&value, &mut buffer).unwrap();
    assert_eq!(
        Postcard::decode::<Reading>(&buffer[..n + 1]),
        Err(CodecError::Malformed)
    );
}

#[cfg(feature = "json")]
#[test]
fn json_that_does_not_fit_is_oversize() {
    let value = Reading {
        seq: 1,
        celsius: 1.0,
        zone: 1,
        ok: true,
        level: None,
        mode: Mode::Off,
    };
    let mut small = [0u8; 8];
    assert_eq!(Json::encode(&value, &mut small), Err(CodecError::Oversize));
    assert_eq!(
        Json::decode::<Reading>(b"{\"seq\":1}"),
        Err(CodecError::Malformed)
    );
}
