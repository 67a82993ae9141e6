//! The contract header and the named codecs (`aimdb::contract`): arbitrary bytes decoded as
//! a contract payload, by postcard and by JSON, with and without an accepted older version,
//! never panic; a payload refused for its fingerprint is refused whatever its body; what
//! decodes re-encodes to a payload that decodes to the same value (JSON: unless the value
//! holds a float JSON cannot write, NaN or an infinity, which a reader then refuses).
#![no_main]

use aimdb::codec::{Codec, Json, Postcard};
use aimdb::connector::CodecError;
use aimdb::contract::{self, Fingerprinted, HEADER_LEN};
use climate_model::{Temperature, TemperatureWithHumidity};
use libfuzzer_sys::fuzz_target;

type Migrating = (TemperatureWithHumidity, ());

/// `LOSSLESS`: whether the codec carries every `f32` (postcard does; JSON has no NaN or
/// infinity: serde_json writes `null` for them, which a reader refuses as malformed, and it
/// reads a number beyond `f32`'s range as an infinity).
fn check<C: Codec, const LOSSLESS: bool>(data: &[u8]) {
    let plain = contract::decode::<C, Temperature, ()>(data);
    let migrating = contract::decode::<C, Temperature, Migrating>(data);
    let known = data.len() >= HEADER_LEN
        && (data[..HEADER_LEN] == Temperature::FINGERPRINT.0
            || data[..HEADER_LEN] == TemperatureWithHumidity::FINGERPRINT.0);
    if data.len() >= HEADER_LEN && !known {
        assert_eq!(plain, Err(CodecError::SchemaMismatch));
        assert_eq!(migrating, Err(CodecError::SchemaMismatch));
    }
    for value in [plain, migrating].into_iter().flatten() {
        let mut out = [0u8; 256];
        let n = contract::encode::<C, Temperature>(&value, &mut out).expect("re-encode");
        let again = contract::decode::<C, Temperature, ()>(&out[..n]);
        if !LOSSLESS && !value.celsius.is_finite() {
            // Not representable: refused as malformed (counted by the connector), never a
            // wrong value.
            assert_eq!(again, Err(CodecError::Malformed));
            continue;
        }
        let again = again.expect("decode again");
        // Bit for bit (NaN included).
        assert_eq!(again.seq, value.seq);
        assert_eq!(again.celsius.to_bits(), value.celsius.to_bits());
        assert_eq!(again.taken_us, value.taken_us);
    }
}

fuzz_target!(|data: &[u8]| {
    check::<Postcard, true>(data);
    check::<Json, false>(data);
});
