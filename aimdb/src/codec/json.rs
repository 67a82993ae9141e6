//! JSON, for hosts and browsers.

use aimdb_core::connector::CodecError;

use super::Codec;

/// JSON through [serde_json](https://docs.rs/serde_json): field names on the wire, readable
/// by any JSON tool. Host only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Json;

impl Codec for Json {
    const NAME: &'static str = "json";

    fn encode<T: serde::Serialize>(value: &T, out: &mut [u8]) -> Result<usize, CodecError> {
        let capacity = out.len();
        let mut cursor = std::io::Cursor::new(out);
        match serde_json::to_writer(&mut cursor, value) {
            Ok(()) => Ok(cursor.position() as usize),
            // The writer ran out of room in the link's buffer.
            Err(e) if e.is_io() => Err(CodecError::Oversize),
            Err(_) if cursor.position() as usize >= capacity => Err(CodecError::Oversize),
            Err(_) => Err(CodecError::Malformed),
        }
    }

    fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
        serde_json::from_slice(bytes).map_err(|_| CodecError::Malformed)
    }
}
