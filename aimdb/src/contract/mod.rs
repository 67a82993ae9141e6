//! One contract per record: a fingerprint of the record type's shape on every named-codec
//! link, checked by the reader, with explicit migrations from older versions.
//!
//! A record type that crosses a link with a named codec derives
//! [`Schema`] (from [postcard-schema]) beside serde:
//!
//! ```
//! # #[cfg(feature = "postcard")] {
//! use aimdb::contract::{Fingerprinted, Schema};
//!
//! #[derive(serde::Serialize, serde::Deserialize, Schema)]
//! #[postcard(crate = aimdb::contract::postcard_schema)] // or depend on postcard-schema yourself
//! struct Temperature { seq: u32, celsius: f32 }
//!
//! // Computed by the compiler (a `const`), the same on every target.
//! const FINGERPRINT: aimdb::contract::Fingerprint = Temperature::FINGERPRINT;
//! println!("Temperature's contract: {FINGERPRINT}");
//! # }
//! ```
//!
//! The fingerprint hashes field names, field types, their order and enum variants (serde
//! renames included), with postcard-schema's own FNV-1a walk; the type's name is left out,
//! so a record type renamed without changing its shape keeps its contract.
//!
//! On the wire every named-codec payload starts with the writer's fingerprint
//! ([`aimdb_core::contract`], [`HEADER_LEN`] bytes). A reader compares it with its own:
//! equal, the value decodes; one of the record's accepted older versions, the value decodes
//! as that type and is converted; anything else is refused as
//! [`CodecError::SchemaMismatch`], which the connector counts per link (`schema_mismatch`)
//! while the node keeps running.
//!
//! ## Migrations
//! A record declares the older versions it accepts, newest first, each convertible into the
//! one before it: `accepts = ["TemperatureV2", "TemperatureV1"]` on a record of a topology
//! file (or `.accepts::<TemperatureV2>().accepts::<TemperatureV1>()` in `topology!{}`) with
//! `impl From<TemperatureV2> for Temperature` and `impl From<TemperatureV1> for
//! TemperatureV2`. A V1 payload decodes as V1 and converts V1 → V2 → Temperature. In types
//! that chain is [`Accepts`]: `(TemperatureV2, (TemperatureV1, ()))`.
//!
//! [postcard-schema]: https://docs.rs/postcard-schema

use aimdb_core::connector::CodecError;
pub use aimdb_core::contract::{Fingerprint, HEADER_LEN};
/// postcard-schema itself, for `#[postcard(crate = aimdb::contract::postcard_schema)]`.
pub use postcard_schema;
/// The schema a record type derives (`#[derive(Schema)]`).
pub use postcard_schema::Schema;

use crate::codec::Codec;

/// The path postcard-schema's hash is seeded with: one fixed string, so the fingerprint
/// depends on the type's shape alone.
const SEED: &str = "aimdb/record";

/// The fingerprint of `T`'s shape. A `const fn`; read it through [`Fingerprinted`] to have it
/// computed at compile time.
pub const fn fingerprint<T: Schema + ?Sized>() -> Fingerprint {
    Fingerprint(postcard_schema::key::hash::fnv1a64::hash_ty_path::<T>(SEED))
}

/// Every [`Schema`] type's fingerprint as an associated constant (evaluated by the compiler,
/// never per message).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no contract fingerprint: a record type on a named-codec link derives `Schema`",
    label = "this type does not implement `postcard_schema::Schema`",
    note = "add `#[derive(aimdb::contract::Schema)]` with `#[postcard(crate = aimdb::contract::postcard_schema)]` (or `postcard_schema::Schema` from your own postcard-schema dependency) beside serde's derives"
)]
pub trait Fingerprinted {
    /// `fingerprint::<Self>()`.
    const FINGERPRINT: Fingerprint;
}

impl<T: Schema + ?Sized> Fingerprinted for T {
    const FINGERPRINT: Fingerprint = fingerprint::<T>();
}

/// A named codec's serializer with the contract header: `T`'s fingerprint, then
/// `C::encode`. What `codec = "postcard"` and `.with_codec(C)` mean on a `link_to`.
pub fn encode<C: Codec, T: serde::Serialize + Fingerprinted>(
    value: &T,
    out: &mut [u8],
) -> Result<usize, CodecError> {
    T::FINGERPRINT.write_header(out)?;
    let written = C::encode(value, &mut out[HEADER_LEN..])?;
    Ok(HEADER_LEN + written)
}

/// A named codec's deserializer with the contract check: a payload with `T`'s fingerprint
/// decodes as `T`; one with the fingerprint of a version `A` accepts decodes as that version
/// and converts; any other is [`CodecError::SchemaMismatch`]. What `codec = "postcard"` and
/// `.with_codec(C)` mean on a `link_from`.
pub fn decode<C: Codec, T: serde::de::DeserializeOwned + Fingerprinted, A: Accepts<T>>(
    payload: &[u8],
) -> Result<T, CodecError> {
    let (fingerprint, body) = aimdb_core::contract::split(payload)?;
    if fingerprint == T::FINGERPRINT {
        C::decode(body)
    } else {
        A::decode::<C>(fingerprint, body)
    }
}

/// The older versions a record accepts, as a chain: `()` accepts none;
/// `(Older, Rest)` accepts `Older` (converted with `T: From<Older>`) and everything `Rest`
/// accepts for `Older` (converted into `Older` first). See the module docs.
pub trait Accepts<T> {
    /// Decode `body` written with `fingerprint` as a version this chain accepts, converted to
    /// `T`; [`CodecError::SchemaMismatch`] when no version has that fingerprint.
    fn decode<C: Codec>(fingerprint: Fingerprint, body: &[u8]) -> Result<T, CodecError>;
}

impl<T> Accepts<T> for () {
    fn decode<C: Codec>(_: Fingerprint, _: &[u8]) -> Result<T, CodecError> {
        Err(CodecError::SchemaMismatch)
    }
}

impl<T, Older, Rest> Accepts<T> for (Older, Rest)
where
    T: From<Older>,
    Older: serde::de::DeserializeOwned + Fingerprinted,
    Rest: Accepts<Older>,
{
    fn decode<C: Codec>(fingerprint: Fingerprint, body: &[u8]) -> Result<T, CodecError> {
        if fingerprint == Older::FINGERPRINT {
            C::decode::<Older>(body).map(T::from)
        } else {
            Rest::decode::<C>(fingerprint, body).map(T::from)
        }
    }
}

#[cfg(test)]
mod tests;
