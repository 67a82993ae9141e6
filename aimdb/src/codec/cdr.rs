//! CDR (XCDR1 little-endian): what DDS peers read, for `dds://` links. `no_std`, no heap.

use aimdb_connectors::cdr;
use aimdb_core::connector::CodecError;

use super::Codec;

/// OMG CDR (XCDR1, little-endian, with its 4-byte encapsulation header), the layout of an
/// IDL `@final` struct with the same fields in the same order: what Eclipse Cyclone DDS and
/// every other DDS implementation read and write. Encodes into the link's fixed buffer.
/// The mapping from serde's types to IDL's is in [`aimdb_connectors::cdr`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cdr;

impl Codec for Cdr {
    const NAME: &'static str = "cdr";

    fn encode<T: serde::Serialize>(value: &T, out: &mut [u8]) -> Result<usize, CodecError> {
        match cdr::to_slice(value, out) {
            Ok(written) => Ok(written),
            Err(cdr::Error::BufferFull) => Err(CodecError::Oversize),
            Err(_) => Err(CodecError::Malformed),
        }
    }

    fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
        cdr::from_bytes(bytes).map_err(|_| CodecError::Malformed)
    }
}
