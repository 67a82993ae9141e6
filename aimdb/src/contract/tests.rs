//! The contract header and migrations, on both named codecs.

extern crate std;

use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use super::*;
use crate::codec::Postcard;
use std::string::ToString;

#[derive(Serialize, Deserialize, Schema, Debug, Clone, PartialEq)]
#[postcard(crate = crate::contract::postcard_schema)]
struct TemperatureV1 {
    celsius: f32,
}

#[derive(Serialize, Deserialize, Schema, Debug, Clone, PartialEq)]
#[postcard(crate = crate::contract::postcard_schema)]
struct TemperatureV2 {
    seq: u32,
    celsius: f32,
}

#[derive(Serialize, Deserialize, Schema, Debug, Clone, PartialEq)]
#[postcard(crate = crate::contract::postcard_schema)]
struct Temperature {
    seq: u32,
    celsius: f32,
    humidity: Option<f32>,
}

impl From<TemperatureV1> for TemperatureV2 {
    fn from(v1: TemperatureV1) -> Self {
        TemperatureV2 {
            seq: 0,
            celsius: v1.celsius,
        }
    }
}

impl From<TemperatureV2> for Temperature {
    fn from(v2: TemperatureV2) -> Self {
        Temperature {
            seq: v2.seq,
            celsius: v2.celsius,
            humidity: None,
        }
    }
}

/// Same shape as `TemperatureV2`, another name.
#[derive(Serialize, Deserialize, Schema)]
#[postcard(crate = crate::contract::postcard_schema)]
struct Reading {
    seq: u32,
    celsius: f32,
}

/// `TemperatureV2` with its fields the other way round.
#[derive(Serialize, Deserialize, Schema)]
#[postcard(crate = crate::contract::postcard_schema)]
struct Swapped {
    celsius: f32,
    seq: u32,
}

/// `TemperatureV2` with a field renamed.
#[derive(Serialize, Deserialize, Schema)]
#[postcard(crate = crate::contract::postcard_schema)]
struct Renamed {
    sequence: u32,
    celsius: f32,
}

#[derive(Serialize, Deserialize, Schema)]
#[postcard(crate = crate::contract::postcard_schema)]
enum Mode {
    Off,
    Heat(u16),
}

#[derive(Serialize, Deserialize, Schema)]
#[postcard(crate = crate::contract::postcard_schema)]
enum ModeMore {
    Off,
    Heat(u16),
    Cool,
}

fn encoded<T: serde::Serialize + Schema>(value: &T) -> std::vec::Vec<u8> {
    let mut out = [0u8; 64];
    let n = encode::<Postcard, T>(value, &mut out).unwrap();
    out[..n].to_vec()
}

#[test]
fn the_fingerprint_follows_the_shape_not_the_name() {
    assert_eq!(Reading::FINGERPRINT, TemperatureV2::FINGERPRINT);
    assert_ne!(Swapped::FINGERPRINT, TemperatureV2::FINGERPRINT);
    assert_ne!(Renamed::FINGERPRINT, TemperatureV2::FINGERPRINT);
    assert_ne!(Temperature::FINGERPRINT, TemperatureV2::FINGERPRINT);
    assert_ne!(Mode::FINGERPRINT, ModeMore::FINGERPRINT);
    assert_ne!(u32::FINGERPRINT, i32::FINGERPRINT);
    assert_ne!(i64::FINGERPRINT, u64::FINGERPRINT);
}

#[test]
fn the_fingerprint_is_a_fixed_value() {
    // A change here changes every contract on the wire: it must be deliberate.
    assert_eq!(TemperatureV2::FINGERPRINT.to_string(), "530dd211c8915a0c");
}

#[test]
fn a_payload_is_the_fingerprint_then_the_codec_bytes() {
    let value = TemperatureV2 {
        seq: 7,
        celsius: 21.5,
    };
    let bytes = encoded(&value);
    assert_eq!(bytes[..HEADER_LEN], TemperatureV2::FINGERPRINT.0);
    assert_eq!(
        bytes[HEADER_LEN..],
        postcard::to_allocvec(&value).unwrap()[..]
    );
    assert_eq!(decode::<Postcard, TemperatureV2, ()>(&bytes), Ok(value));
}

#[test]
fn another_version_is_refused_unless_accepted() {
    let v1 = encoded(&TemperatureV1 { celsius: 3.0 });
    assert_eq!(
        decode::<Postcard, TemperatureV2, ()>(&v1),
        Err(CodecError::SchemaMismatch)
    );
    assert_eq!(
        decode::<Postcard, TemperatureV2, (TemperatureV1, ())>(&v1),
        Ok(TemperatureV2 {
            seq: 0,
            celsius: 3.0
        })
    );
    // A newer version is not an older one: still refused.
    let v3 = encoded(&Temperature {
        seq: 1,
        celsius: 2.0,
        humidity: Some(40.0),
    });
    assert_eq!(
        decode::<Postcard, TemperatureV2, (TemperatureV1, ())>(&v3),
        Err(CodecError::SchemaMismatch)
    );
}

#[test]
fn a_migration_chain_converts_v1_through_v2() {
    type Chain = (TemperatureV2, (TemperatureV1, ()));
    let from_v1 = decode::<Postcard, Temperature, Chain>(&encoded(&TemperatureV1 { celsius: 9.5 }));
    assert_eq!(
        from_v1,
        Ok(Temperature {
            seq: 0,
            celsius: 9.5,
            humidity: None
        })
    );
    let from_v2 = decode::<Postcard, Temperature, Chain>(&encoded(&TemperatureV2 {
        seq: 4,
        celsius: 1.0,
    }));
    assert_eq!(from_v2.map(|t| t.seq), Ok(4));
    // Unrelated shapes stay refused.
    assert_eq!(
        decode::<Postcard, Temperature, Chain>(&encoded(&Swapped {
            celsius: 1.0,
            seq: 2
        }))
        .map(|t| t.seq),
        Err(CodecError::SchemaMismatch)
    );
}

#[test]
fn short_and_oversize_payloads_are_refused() {
    assert_eq!(
        decode::<Postcard, TemperatureV2, ()>(&[1, 2, 3]),
        Err(CodecError::Malformed)
    );
    let mut small = [0u8; HEADER_LEN + 2];
    assert_eq!(
        encode::<Postcard, _>(
            &TemperatureV2 {
                seq: 300,
                celsius: 1.0
            },
            &mut small
        ),
        Err(CodecError::Oversize)
    );
    assert_eq!(
        encode::<Postcard, _>(
            &TemperatureV2 {
                seq: 1,
                celsius: 1.0
            },
            &mut [0u8; 4]
        ),
        Err(CodecError::Oversize)
    );
}

#[cfg(feature = "json")]
#[test]
fn json_carries_the_same_header() {
    use crate::codec::Json;
    let value = TemperatureV2 {
        seq: 2,
        celsius: 0.5,
    };
    let mut out = [0u8; 64];
    let n = encode::<Json, _>(&value, &mut out).unwrap();
    assert_eq!(out[..HEADER_LEN], TemperatureV2::FINGERPRINT.0);
    assert_eq!(&out[HEADER_LEN..n], br#"{"seq":2,"celsius":0.5}"#);
    assert_eq!(decode::<Json, TemperatureV2, ()>(&out[..n]), Ok(value));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        let _ = decode::<Postcard, Temperature, (TemperatureV2, (TemperatureV1, ()))>(&bytes);
    }

    #[test]
    fn round_trips(seq in any::<u32>(), celsius in any::<f32>().prop_filter("not NaN", |c| !c.is_nan()), humidity in proptest::option::of(0.0f32..100.0)) {
        let value = Temperature { seq, celsius, humidity };
        prop_assert_eq!(decode::<Postcard, Temperature, ()>(&encoded(&value)), Ok(value));
    }
}
