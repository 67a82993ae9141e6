//! Encode + decode of one climate reading per message: the raw codec the climate system
//! used to hand-write (`Temperature::to_bytes` / `from_bytes`, 16 bytes little-endian)
//! against the named codecs with the contract header (`aimdb::contract::encode` /
//! `decode`, what `codec = "postcard"` and `codec = "json"` generate). Each message
//! encodes reading `i` into a stack buffer, decodes it back and checks the value, so a
//! broken codec cannot be timed.

use std::hint::black_box;
use std::time::Instant;

use aimdb::codec::{Codec, Json, Postcard};
use climate_model::Temperature;

use crate::harness::{Runner, check};

/// Reading `i`, with the fields a sensor would fill in an hour of uptime (the varints are
/// as long as they get in the demo).
fn reading(i: u64) -> Temperature {
    Temperature {
        seq: i as u32,
        celsius: climate_model::sample(i as u32),
        taken_us: 3_600_000_000 + i * 10_000,
    }
}

/// The hand-written raw codec.
pub fn raw() -> Runner {
    Box::new(|n| {
        let mut out = [0u8; 64];
        let start = Instant::now();
        for i in 0..n {
            let len = black_box(reading(i)).to_bytes(&mut out).expect("encode");
            let back = Temperature::from_bytes(black_box(&out[..len])).expect("decode");
            check("raw codec", u64::from(back.seq), i & 0xffff_ffff);
        }
        start.elapsed()
    })
}

/// A named codec with the contract header.
fn named<C: Codec>(label: &'static str) -> Runner {
    Box::new(move |n| {
        let mut out = [0u8; 128];
        let start = Instant::now();
        for i in 0..n {
            let len =
                aimdb::contract::encode::<C, _>(black_box(&reading(i)), &mut out).expect("encode");
            let back: Temperature =
                aimdb::contract::decode::<C, Temperature, ()>(black_box(&out[..len]))
                    .expect("decode");
            check(label, u64::from(back.seq), i & 0xffff_ffff);
        }
        start.elapsed()
    })
}

/// `codec = "postcard"`.
pub fn postcard() -> Runner {
    named::<Postcard>("postcard + contract")
}

/// `codec = "json"`.
pub fn json() -> Runner {
    named::<Json>("json + contract")
}

/// Bytes on the wire for one reading with each codec, at boot (reading 0, taken at 0 µs)
/// and after an hour (reading 360,000, taken at 3.6e9 µs): `(codec, at boot, after an hour)`.
pub fn wire_bytes() -> Vec<(&'static str, usize, usize)> {
    let at_boot = Temperature {
        seq: 0,
        celsius: climate_model::sample(0),
        taken_us: 0,
    };
    let after_an_hour = Temperature {
        seq: 360_000,
        celsius: climate_model::sample(360_000),
        taken_us: 3_600_000_000,
    };
    let raw = |t: &Temperature| t.to_bytes(&mut [0u8; 64]).expect("encode");
    let postcard = |t: &Temperature| {
        aimdb::contract::encode::<Postcard, _>(t, &mut [0u8; 64]).expect("encode")
    };
    let json =
        |t: &Temperature| aimdb::contract::encode::<Json, _>(t, &mut [0u8; 128]).expect("encode");
    vec![
        ("raw to_bytes", raw(&at_boot), raw(&after_an_hour)),
        (
            "postcard + contract header",
            postcard(&at_boot),
            postcard(&after_an_hour),
        ),
        (
            "json + contract header",
            json(&at_boot),
            json(&after_an_hour),
        ),
    ]
}
