//! CDR (OMG XCDR1, little-endian) for any serde type: what a DDS peer such as Eclipse
//! Cyclone DDS writes and reads for a `@final` IDL struct. `no_std`, no heap: [`to_slice`]
//! writes into the caller's buffer, [`from_bytes`] borrows strings from the payload.
//!
//! A payload is the 4-byte encapsulation header ([`ENCAPSULATION`]: `CDR_LE`, options 0)
//! then the body. Every primitive is aligned to its own size (8 for 64-bit values, XCDR1)
//! counted from the start of the body, with zero padding.
//!
//! | serde | CDR (IDL) |
//! | --- | --- |
//! | `bool`, `u8`/`i8` | `boolean`, `octet`/`int8`: 1 byte |
//! | `u16`…`u64`, `i16`…`i64`, `f32`, `f64` | the same width, aligned to it |
//! | `char` | IDL `char`: 1 byte (Latin-1 only; others refused) |
//! | `&str`, `String` | `string`: u32 length with the NUL, the bytes, a NUL |
//! | `&[u8]` as bytes, sequences, `Vec<T>`, maps | `sequence<T>`: u32 count, then the elements (maps: key, value pairs) |
//! | arrays, tuples, structs, tuple structs | fields in order, no count (IDL arrays and structs) |
//! | newtype structs, unit | the inner value; nothing |
//! | `Option<T>` | `sequence<T, 1>`: count 0 or 1, then the value |
//! | enums | unit variants: the variant index as a u32 (IDL `enum`); variants with data: the index as the u32 discriminator of a `union`, then the data |
//!
//! Decoding refuses a payload with another encapsulation (big-endian, XCDR2, parameter
//! lists), a string without its NUL or not UTF-8, a bool other than 0/1, and bytes left
//! after the value ([`Error`]).
//!
//! ```
//! #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
//! struct Sample { seq: u32, value: f64, name: &'static str }
//! # fn main() -> Result<(), aimdb_connectors::cdr::Error> {
//! let mut out = [0u8; 64];
//! let n = aimdb_connectors::cdr::to_slice(&Sample { seq: 7, value: 1.5, name: "a" }, &mut out)?;
//! // header, seq, 4 bytes of padding to align the f64 to 8, value, "a\0" with its length
//! assert_eq!(n, 4 + 4 + 4 + 8 + 4 + 2);
//! assert_eq!(&out[..4], &[0, 1, 0, 0]);
//! # Ok(()) }
//! ```

mod de;
mod ser;

use core::fmt;

pub use de::{Deserializer, from_bytes};
pub use ser::{Serializer, to_slice};

/// The encapsulation header of an XCDR1 little-endian payload: representation `CDR_LE`
/// (`00 01`) and options `00 00`.
pub const ENCAPSULATION: [u8; 4] = [0x00, 0x01, 0x00, 0x00];

/// Why a value could not be written or read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The output buffer is too small.
    BufferFull,
    /// The payload ended before the value did.
    Eof,
    /// Not an XCDR1 little-endian payload (another encapsulation header).
    Encapsulation,
    /// Bytes left after the value.
    TrailingBytes,
    /// A bool byte other than 0 or 1, a string without its NUL or not UTF-8, a char or
    /// enum index out of range.
    Invalid,
    /// A serde shape CDR cannot carry: a sequence of unknown length, `deserialize_any`
    /// (CDR is not self-describing), a length above `u32::MAX`.
    Unsupported,
    /// The value's own `Serialize`/`Deserialize` reported an error.
    Custom,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::BufferFull => "the CDR value does not fit the buffer",
            Error::Eof => "the CDR payload ends before the value",
            Error::Encapsulation => "not an XCDR1 little-endian payload",
            Error::TrailingBytes => "bytes left after the CDR value",
            Error::Invalid => "an invalid bool, string, char or enum index",
            Error::Unsupported => "a serde shape CDR cannot carry",
            Error::Custom => "the value's serde implementation failed",
        })
    }
}

impl serde::ser::StdError for Error {}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Error::Custom
    }
}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Error::Custom
    }
}

/// Padding before a value of `size` bytes at body offset `offset` (XCDR1: align to the
/// value's own size, 1, 2, 4 or 8).
const fn padding(offset: usize, size: usize) -> usize {
    (size - offset % size) % size
}

#[cfg(test)]
mod tests;
