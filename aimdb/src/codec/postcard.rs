//! postcard: compact, `no_std`, no heap.

use aimdb_core::connector::CodecError;

use super::Codec;

/// [postcard](https://docs.rs/postcard): varint integers, no field names, no heap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Postcard;

impl Codec for Postcard {
    const NAME: &'static str = "postcard";

    fn encode<T: serde::Serialize>(value: &T, out: &mut [u8]) -> Result<usize, CodecError> {
        match ::postcard::to_slice(value, out) {
            Ok(written) => Ok(written.len()),
            Err(::postcard::Error::SerializeBufferFull) => Err(CodecError::Oversize),
            Err(_) => Err(CodecError::Malformed),
        }
    }

    fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
        // A payload with bytes left over is not one value: refuse it rather than guess.
        match ::postcard::take_from_bytes::<T>(bytes) {
            Ok((value, [])) => Ok(value),
            _ => Err(CodecError::Malformed),
        }
    }
}
