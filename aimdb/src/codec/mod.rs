//! Named codecs: a link's wire format chosen by name, for any serde type.
//!
//! Instead of hand-written byte functions, a link names its codec:
//!
//! | codec | `topology!{}` | topology file | runtimes | feature |
//! | --- | --- | --- | --- | --- |
//! | [postcard](https://docs.rs/postcard), compact binary | `.with_codec(aimdb::codec::Postcard)` | `codec = "postcard"` | tokio, embassy (no heap: it encodes into the link's fixed buffer) | `postcard` |
//! | JSON ([serde_json](https://docs.rs/serde_json)) | `.with_codec(aimdb::codec::Json)` | `codec = "json"` | tokio (host) | `json` |
//! | CDR (OMG XCDR1 little-endian, what DDS peers such as Cyclone DDS read) | `.with_codec(aimdb::codec::Cdr)` | `codec = "cdr"` | tokio, embassy (no heap) | `cdr` (with the `dds` connector: `dds`) |
//!
//! `.with_codec(C)` stands for `C`'s [`Codec::encode`] on a `link_to` and [`Codec::decode`]
//! on a `link_from`, so any type implementing [`Codec`] is a codec. Both ends of a link name
//! the same codec (a topology file checks it). Raw byte codecs
//! (`.with_serializer_raw(f)`) stay for formats that are the point of a link, such as a
//! KNX datapoint type.
//!
//! ```
//! # #[cfg(feature = "postcard")] {
//! use aimdb::codec::{Codec, Postcard};
//!
//! #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
//! struct Reading { seq: u32, celsius: f32 }
//!
//! let mut buffer = [0u8; 32];
//! let n = Postcard::encode(&Reading { seq: 7, celsius: 21.5 }, &mut buffer).unwrap();
//! assert_eq!(n, 5); // a varint 7 and four bytes of f32
//! assert_eq!(Postcard::decode::<Reading>(&buffer[..n]).unwrap(), Reading { seq: 7, celsius: 21.5 });
//! # }
//! ```

use aimdb_core::connector::CodecError;

#[cfg(feature = "cdr")]
mod cdr;
#[cfg(feature = "json")]
mod json;
#[cfg(feature = "postcard")]
mod postcard;

#[cfg(feature = "cdr")]
pub use cdr::Cdr;
#[cfg(feature = "json")]
pub use json::Json;
#[cfg(feature = "postcard")]
pub use postcard::Postcard;

/// A wire format for any serde type: encode into a link's fixed buffer, decode a payload.
pub trait Codec {
    /// The name a topology file gives it (`codec = "postcard"`).
    const NAME: &'static str;

    /// Write `value` into `out`; the number of bytes written, or
    /// [`CodecError::Oversize`] when it does not fit.
    fn encode<T: serde::Serialize>(value: &T, out: &mut [u8]) -> Result<usize, CodecError>;

    /// Read a value; [`CodecError::Malformed`] when the bytes are not one.
    fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError>;
}

#[cfg(test)]
mod tests;
