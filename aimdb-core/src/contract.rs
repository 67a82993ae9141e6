//! The contract header: the fingerprint of a record's type, in front of every payload a
//! named codec writes.
//!
//! Two nodes built from different versions of a record type would otherwise exchange bytes
//! that decode into a wrong value, or fail as "malformed" with no hint why. A link whose
//! codec is named (`codec = "postcard"`, `.with_codec(aimdb::codec::Postcard)`) therefore
//! writes the [`Fingerprint`] of the type its writer was compiled with before the encoded
//! value, and its reader refuses a payload with another fingerprint
//! ([`CodecError::SchemaMismatch`], counted
//! per link as `schema_mismatch`) unless the record declares it accepts that older type.
//!
//! On the wire: [`HEADER_LEN`] bytes, the fingerprint as is, then the codec's bytes. This is
//! the payload on MQTT (both runtimes, so a 3.1.1 client and an MQTT 5 client read the same
//! bytes) and inside the COBS frame on serial; the WebSocket connector moves it into its
//! JSON envelope (`"fingerprint"`). The fingerprint itself is computed by
//! `aimdb::contract` from the type's `postcard_schema::Schema`.

use core::fmt;

use crate::connector::CodecError;

/// The bytes the header takes in front of the encoded value.
pub const HEADER_LEN: usize = 8;

/// A record type's shape hashed to 64 bits (FNV-1a over field names, types, order and
/// enum variants; the type's own name is left out, so a renamed type with the same shape
/// keeps its contract). The same on every target: it is computed in a `const fn`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; HEADER_LEN]);

impl Fingerprint {
    /// The fingerprint as one number (its bytes little-endian), for display and logs.
    pub const fn as_u64(&self) -> u64 {
        u64::from_le_bytes(self.0)
    }

    /// The fingerprint from its printed form (16 hex digits, as `Display` writes it);
    /// `None` for anything else. What a page or a topology file (`contract = ".."`) gives.
    pub fn parse(text: &str) -> Option<Fingerprint> {
        let digits = text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit());
        let n = u64::from_str_radix(text, 16).ok().filter(|_| digits)?;
        Some(Fingerprint(n.to_le_bytes()))
    }

    /// Write the header into the front of `out`: the bytes after it are the codec's.
    /// [`CodecError::Oversize`] when `out` cannot hold the header.
    pub fn write_header(&self, out: &mut [u8]) -> Result<(), CodecError> {
        let header = out.get_mut(..HEADER_LEN).ok_or(CodecError::Oversize)?;
        header.copy_from_slice(&self.0);
        Ok(())
    }
}

/// A payload's fingerprint and the codec's bytes after it; [`CodecError::Malformed`] when
/// the payload is shorter than the header.
pub fn split(payload: &[u8]) -> Result<(Fingerprint, &[u8]), CodecError> {
    match payload.split_first_chunk::<HEADER_LEN>() {
        Some((header, body)) => Ok((Fingerprint(*header), body)),
        None => Err(CodecError::Malformed),
    }
}

/// Sixteen hex digits, as `aimdb` prints it (`3f2a…`), the same in every log and page.
impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.as_u64())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_is_the_fingerprint_bytes_and_split_takes_it_off() {
        let fp = Fingerprint(*b"\x01\x02\x03\x04\x05\x06\x07\x08");
        let mut out = [0u8; 12];
        fp.write_header(&mut out).unwrap();
        out[8..].copy_from_slice(b"body");
        assert_eq!(split(&out), Ok((fp, &b"body"[..])));
        assert_eq!(fp.as_u64(), 0x0807_0605_0403_0201);
    }

    #[test]
    fn a_payload_shorter_than_the_header_is_malformed_and_a_small_buffer_oversize() {
        assert_eq!(split(&[1, 2, 3]), Err(CodecError::Malformed));
        assert_eq!(
            Fingerprint([0; 8]).write_header(&mut [0u8; 7]),
            Err(CodecError::Oversize)
        );
    }
}
