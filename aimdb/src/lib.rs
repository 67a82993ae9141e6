//! # aimdb
//!
//! The one crate a user depends on: the runtime ([`aimdb_core`]), the topology compiler's
//! macros ([`topology!`], `#[derive(RecordKey)]`) and the [`connectors`]. Code emitted by
//! the macros names everything through `::aimdb::__private`, so a user crate needs no other
//! dependency (not even `embassy-executor` for an embassy node).
//!
//! Features: `tokio` for host nodes (`async fn run`), `embassy` for embassy nodes
//! (`fn spawn`), `std` for host-only helpers.
//!
//! ## `topology!{}`: a node's records, checked by the compiler
//!
//! ```text
//! aimdb::topology! {
//!     node sensor: tokio;                 // header: `node NAME: tokio;` or `node NAME: embassy;`
//!
//!     builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
//!         reg.buffer(BufferCfg::SpmcRing { capacity: 256 })
//!             .source(read_temperature_loop)
//!             .link_to("mqtt://climate/zone-a/reading") // I produce this
//!             .with_serializer_raw(Temperature::to_bytes)
//!             .finish();
//!     });
//! }
//! ```
//!
//! After the header, each statement configures one record:
//! `BUILDER.configure::<T>(KEY, |REG| { REG.CALLS...finish(); })`. `BUILDER` and `REG` are
//! whatever names you write; the chain must start at the closure's parameter. `KEY` is a
//! key variant (`ClimateKey::Reading`, from `#[derive(RecordKey)]`) or a string literal;
//! within a node, keys are compared as written. The calls:
//!
//! | call | meaning |
//! | --- | --- |
//! | `.buffer(BufferCfg::SpmcRing { capacity: N })` | bounded history of `N` values, independent readers, lag reported |
//! | `.buffer(BufferCfg::SingleLatest)` | the current value only |
//! | `.buffer(BufferCfg::Mailbox)` | one pending instruction, taken once |
//! | `.source(f)` | this node produces the record (its one authoritative producer) |
//! | `.tap(g)` | a local reader (several allowed) |
//! | `.link_to("scheme://address").with_serializer_raw(s)` | publish every value over a connector |
//! | `.link_from("scheme://address").with_deserializer_raw(d)` | the record is produced elsewhere; observe it here (a producer) |
//! | `.finish()` | ends the chain (required) |
//!
//! URL schemes and the runtimes that have a connector for them: `mqtt` (tokio, embassy),
//! `serial` (tokio, embassy), `loopback` (tokio, embassy), `ws` (tokio).
//!
//! ### What the compiler rejects
//! Each on the offending token, all in one compile, each with a `help:` saying the fix:
//! two producers for one key (`.source()` + `.link_from()` in either order, two
//! `.source()`s, two `.link_from()`s, a transform and anything else); a key configured
//! twice or with two value types; a record with no buffer or two; a ring of capacity 0 or a
//! capacity that is not an integer literal; an outbound link without a serializer, an
//! inbound link without a deserializer, a codec on the wrong kind of link; a malformed URL,
//! an unknown scheme, a scheme whose connector is not available on the node's runtime, one
//! link URL twice in a node; a record that is read but that nothing produces; a chain
//! without `.finish()`; unknown methods, buffer kinds and runtimes (with did-you-mean).
//!
//! ### User functions
//! `T` is the record's value type (`Clone`; on tokio also `Send + 'static`).
//!
//! - source: `async fn f(producer: aimdb::Producer<'static, T>)`, or any
//!   `FnOnce(Producer<'static, T>) -> impl Future<Output = ()>` (a path or a closure);
//!   on tokio the function and its future must be `Send + 'static`.
//! - tap: `async fn g(consumer: aimdb::Consumer<'static, T>)`, same rules.
//! - serializer: `fn(&T, &mut [u8]) -> Result<usize, aimdb::connector::CodecError>`
//!   ([`connector::Serializer`]): write the value, return the bytes written. The output
//!   buffer is [`LINK_PAYLOAD_BYTES`] long; a value that does not fit is skipped.
//! - deserializer: `fn(&[u8]) -> Result<T, aimdb::connector::CodecError>`
//!   ([`connector::Deserializer`]); an error drops the payload (the connector counts it).
//!
//! A function with another signature is reported by rustc on the function you wrote.
//!
//! ### What a node generates
//! `pub mod NAME { use super::*; ... }` in the scope of the macro call, so the topology
//! names items of the enclosing module (put the topology at module level, not inside a
//! function). In it:
//! - one `pub static` buffer per record, named after the key's last segment in
//!   SCREAMING_CASE (`ClimateKey::Reading` → `READING`; on a collision, the whole key:
//!   `CLIMATE_KEY_READING`), with one reader slot per tap and outbound link;
//! - `pub mod ram` with the bytes each buffer takes and `TOTAL`;
//! - `pub struct Links` with one `&'static dyn Connector` field per URL scheme the node
//!   uses (`pub mqtt: ...`); an empty struct if it uses none;
//! - tokio: `pub async fn run(links: Links)`; embassy: `pub fn spawn(spawner: Spawner,
//!   links: Links)`, to call once. Both register the node's claims with the run-time
//!   registry (a second producer of a key from another topology in the same binary panics
//!   here, before any task runs), subscribe every reader, attach the inbound links, then
//!   start one task per source, tap and outbound link. No heap is used on embassy.
//!
//! ### Reading the generated code
//! `cargo expand` shows it. Or set `AIMDB_EXPAND_DIR=DIR` when building: each node's code
//! is written, pretty-printed, to `DIR/NAME.rs`. Cargo does not track that variable, so
//! touch the file holding the topology after setting it.
#![no_std]

#[cfg(feature = "std")]
extern crate std;

pub use aimdb_core::*;
pub use aimdb_macros::{RecordKey, topology};

/// Connectors (MQTT, serial, loopback, ...).
pub use aimdb_connectors as connectors;

/// Size of the buffer an outbound link serializes a value into. A value whose encoding
/// does not fit is skipped (the serializer returns `CodecError::Oversize`).
pub const LINK_PAYLOAD_BYTES: usize = 256;

/// Paths used by generated code. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use aimdb_connectors;
    pub use aimdb_core;
    pub use core;
    #[cfg(feature = "embassy")]
    pub use embassy_executor;
    #[cfg(feature = "tokio")]
    pub use tokio;

    /// Helpers the emitted code calls.
    pub mod glue;
}
