//! The contract header and the named codecs (`aimdb::contract`): arbitrary bytes decoded as
//! a contract payload, by postcard and by JSON, with and without an accepted older version,
//! never panic; a payload refused for its fingerprint is refused whatever its body; what
//! decodes re-encodes to a payload that decodes to the same value.
#![no_main]

use aimdb::codec::{Codec, Json, Postcard};
use aimdb::connector::CodecError;
use aimdb::contract::{self, Fingerprinted, HEADER_LEN};
use climate_model::{Temperature, TemperatureWithHumidity};
use libfuzzer_sys::fuzz_target;

type Migrating = (TemperatureWithHumidity, ());

fn check<C: Codec>(data: &[u8]) {
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
        let again = contract::decode::<C, Temperature, ()>(&out[..n]).expect("decode again");
        // Bit for bit (NaN included).
        assert_eq!(again.seq, value.seq);
        assert_eq!(again.celsius.to_bits(), value.celsius.to_bits());
        assert_eq!(again.taken_us, value.taken_us);
    }
}

fuzz_target!(|data: &[u8]| {
    check::<Postcard>(data);
    check::<Json>(data);
});
