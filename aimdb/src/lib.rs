//! # aimdb
//!
//! The one crate a user depends on: the runtime ([`aimdb_core`]), the topology compiler's
//! macros ([`topology!`], `#[derive(RecordKey)]`) and the [`connectors`]. Code emitted by
//! the macros names everything through `::aimdb::__private`, so a user crate needs no other
//! dependency (not even `embassy-executor` for an embassy node).
//!
//! Features: `tokio` for host nodes (`async fn run`), `embassy` for embassy nodes
//! (`fn spawn`), `std` for host-only helpers, `postcard`, `json` and `cdr` for the named
//! codecs ([`codec`]) and their contract ([`contract`]). The connectors, under
//! [`connectors`], by their crate's features, forwarded (the `-tokio` ones under their own
//! name, except `mqtt` for `mqtt-tokio` and `ws` for `ws-tokio`; `dds` is tokio's, with
//! `cdr`; see this crate's `Cargo.toml`).
//! `aimdb = { features = ["tokio", "mqtt"] }` is all a host node needs.
//!
//! ## `topology!{}`: a node's records, checked by the compiler
//!
//! ```text
//! aimdb::topology! {
//!     node sensor: tokio;                 // header: `node NAME: tokio;` or `node NAME: embassy;`
//!                                         // (optionally `node NAME: embassy, ram = "64K";`: a budget
//!                                         //  for the node's record buffers, checked when it builds;
//!                                         //  without one, an embassy node's budget is RAM's LENGTH
//!                                         //  in the crate's memory.x, if it has one)
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
//! | `.source_handle()` | code outside the node's tasks (a `main` loop, an interrupt handler, a test) produces the record through the one `Producer` it takes from `NODE::RECORD_SOURCE` (a producer) |
//! | `.tap(g)` | a local reader (several allowed) |
//! | `.link_to("scheme://address").with_serializer_raw(s)` | publish every value over a connector |
//! | `.link_from("scheme://address").with_deserializer_raw(d)` | the record is produced elsewhere; observe it here (a producer) |
//! | `.link_to(..).with_codec(aimdb::codec::Postcard)` / `.link_from(..).with_codec(..)` | the link's wire format by name, for any serde type that derives [`contract::Schema`]: [`codec`] (`Postcard`, `Json`, `Cdr`), instead of byte functions; every payload carries the type's contract fingerprint and readers refuse another version ([`contract`]) |
//! | `.contract("d2660728cb357589")` | pins the value type's contract fingerprint: a type of another shape does not compile, and the error names its fingerprint ([`contract`]) |
//! | `.accepts::<Older>()` | its named-codec readers also take the older version `Older` (with `From<Older> for T`), newest first, one call per version ([`contract`]) |
//! | `.transform(INPUT_KEY, \|b\| b.map(f))` | produced from one other record of the node, value by value (a producer) |
//! | `.transform(INPUT_KEY, \|b\| b.on_input(h))` | the same with state: `h` owns the input's consumer |
//! | `.transform_join(\|b\| b.input::<A>(K1).input::<B>(K2).on_triggers(h))` | produced from several records: one trigger per input value (a producer) |
//! | `.finish()` | ends the chain (required) |
//!
//! URL schemes, their address grammar and the runtimes that have a connector for them are
//! one table, `aimdb_core::address::SCHEMES`; an unknown scheme's compile error lists them.
//!
//! ### Transforms and joins
//! The seed's "many writers, one arbiter": each writer owns a request record, and one join
//! arbitrates them into the applied record.
//!
//! ```text
//! builder.configure::<SetpointApplied>(SetpointKey::Applied, |reg| {
//!     reg.buffer(BufferCfg::SingleLatest)
//!         .tap(apply_setpoint)
//!         .transform_join(|b| {
//!             b.input::<SetpointRequest>(SetpointKey::RequestOperatorA)
//!                 .input::<SetpointRequest>(SetpointKey::RequestOperatorB)
//!                 .input::<SetpointRequest>(SetpointKey::RequestAutotuner)
//!                 .on_triggers(|mut rx, producer| async move {
//!                     while let Ok(trigger) = rx.recv().await {
//!                         if let Some(req) = trigger.as_input::<SetpointRequest>() {
//!                             if let Some(applied) = arbitrate(req) {
//!                                 let _ = producer.produce(applied).await;
//!                             }
//!                         }
//!                     }
//!                 })
//!         })
//!         .finish();
//! });
//! ```
//!
//! - Inputs are records of the same node; `input::<T>` names the record's value type
//!   (it may be left out: `b.input(KEY)`). Each input is a reader of its record, with the
//!   semantics of that record's buffer: a ring delivers every value, a single-latest buffer
//!   the newest, a mailbox takes the pending instruction.
//! - `rx` is a [`join::JoinRx`]: it reads the inputs' own buffers (one consumer each, no
//!   channel in between), polled round-robin from the input after the one that fired last,
//!   so a busy input cannot starve the others. `rx.recv().await` gives
//!   `Ok(`[`join::Trigger`]`)`; a generated node's inputs never close, so the loop above
//!   runs for the life of the node.
//! - `trigger.as_input::<T>()` is `Option<&T>` (`Some` when the input that fired has type
//!   `T`; a type that is no input's is a compile error), `trigger.into_input::<T>()` the
//!   same by value; `trigger.index()` is the input's position (0, 1, ..), `trigger.key()`
//!   its key; `trigger.input()` is the generated enum `NAME::AppliedInput` with one variant
//!   per input, named after the input key (`AppliedInput::RequestOperatorA(req)`), to
//!   `match` on.
//! - Lag: when a ring input fell behind, `trigger.lagged()` is `Some(n)` on the next
//!   trigger from that input (`n` values were overwritten); the loop does not end.
//! - `producer` is the joined record's [`Producer`].
//! - In a topology file, an input may be a record family (`climate/{instance}/reading` at an
//!   observer, one buffer per instance): any instance's value triggers, its variant carries
//!   the instance, `SummaryInput::Reading(instance, value)`, and `trigger.instance()` is
//!   `Some(instance)` (`None` for a plain input); see docs/topology-file.md, "Fleets".
//!
//! A single-input transform: `.transform(ClimateKey::Reading, |b| b.map(f))` with
//! `f: fn(&In) -> Out` or `fn(&In) -> Option<Out>` (`None` produces nothing; any
//! `FnMut` closure works), or the stateful
//! `.transform(KEY, |b| b.on_input(|mut rx, producer| async move { .. }))` where `rx` is
//! the input's `Consumer<'static, In>` and state lives in the async block. A `.map` on a
//! lagging ring input continues with the oldest value still held.
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
//! without `.finish()`; unknown methods, buffer kinds and runtimes (with did-you-mean);
//! a transform input that names no record of the node (with did-you-mean), or with
//! another type than its record's (on the `::<T>`), or given twice; a join with no inputs
//! or no handler; transforms that form a cycle (listed key by key: `A -> B -> C -> A`).
//!
//! ### User functions
//! `T` is the record's value type (`Clone`; on tokio also `Send + 'static`).
//!
//! - source: `async fn f(producer: aimdb::Producer<'static, T>)`, or any
//!   `FnOnce(Producer<'static, T>) -> impl Future<Output = ()>` (a path or a closure);
//!   on tokio the function and its future must be `Send + 'static`.
//! - tap: `async fn g(consumer: aimdb::Consumer<'static, T>)`, same rules. A source or tap
//!   runs for the node's life: one that returns is counted (`NODE::tasks_returned()`) and
//!   logged with its name (`tracing` on tokio, `log` on embassy). A ring reader that fell behind gets
//!   `Err(RecvError::Lagged(n))` once and then reads on, so a tap loops over both:
//!
//!   ```ignore
//!   async fn render_chart(mut consumer: aimdb::Consumer<'static, Temperature>) {
//!       loop {
//!           match consumer.recv().await {
//!               Ok(reading) => draw(reading),
//!               // n readings were overwritten before this tap read them: note it, go on.
//!               Err(aimdb::RecvError::Lagged(n)) => note_lost(n),
//!               // `RecvError` is `#[non_exhaustive]`: a kind added later is handled here.
//!               Err(_) => {}
//!           }
//!       }
//!   }
//!   ```
//!
//!   (`while let Ok(v) = consumer.recv().await { .. }` ends on the first lag.)
//! - serializer: `fn(&T, &mut [u8]) -> Result<usize, aimdb::connector::CodecError>`
//!   ([`connector::Serializer`]): write the value, return the bytes written. The output
//!   buffer is [`LINK_PAYLOAD_BYTES`] long; a value that does not fit, or that the
//!   serializer refuses, is skipped and reported to the connector
//!   ([`connector::Connector::skipped`]), which counts it (`oversize`, `encode_errors`).
//! - deserializer: `fn(&[u8]) -> Result<T, aimdb::connector::CodecError>`
//!   ([`connector::Deserializer`]); an error drops the payload (the connector counts it).
//!
//! - `.map(f)`: `FnMut(&In) -> Out` or `FnMut(&In) -> Option<Out>`.
//! - `.on_input(h)`: `FnOnce(Consumer<'static, In>, Producer<'static, Out>) -> impl Future<Output = ()>`.
//! - `.on_triggers(h)`: `FnOnce(NAME::AppliedRx, Producer<'static, Out>) -> impl Future<Output = ()>`
//!   (`AppliedRx` is `JoinRx<AppliedInputs, N>`, generated per join; a closure needs no
//!   annotations).
//!
//! On tokio these functions and their futures must be `Send + 'static`. A function with
//! another signature is reported by rustc on the function you wrote.
//!
//! ### What a node generates
//! `pub mod NAME { use super::*; ... }` in the scope of the macro call, so the topology
//! names items of the enclosing module (put the topology at module level, not inside a
//! function). In it:
//! - one private `static` buffer per record, with one reader slot per tap, outbound link
//!   and transform input reading it, and its public read-only view,
//!   `pub static READING: RecordView<T, ..>`, named after the key's last segment in
//!   SCREAMING_CASE (`ClimateKey::Reading` → `READING`; on a collision, the whole key:
//!   `CLIMATE_KEY_READING`). Code outside the node can subscribe, read the newest value and
//!   ask the figures, and cannot write: only the record's declared producer writes it
//!   (`dashboard::READING.produce(..)` does not compile). For example:
//!
//!   ```ignore
//!   if let Some(t) = dashboard::READING.latest() { println!("{} °C", t.celsius()); }
//!   let mut readings = dashboard::READING.subscribe()?; // a free reader slot
//!   ```
//!
//!   A reader slot is counted per declared reader, so an outside subscriber needs one to
//!   spare; declare a `.tap()` for a reader that runs for the node's whole life;
//! - for a `.source_handle()` record, `pub static READING_SOURCE: SourceHandle<..>`:
//!   `READING_SOURCE.take()` returns the record's one `Producer` (`Copy`: pass it where it
//!   is needed); a second `take` panics, naming the record and the node;
//! - per join producing `APPLIED`: `pub enum AppliedInput` (one variant per input),
//!   `pub struct AppliedInputs` (one consumer per input) and `pub type AppliedRx`;
//! - `pub mod ram` with the bytes each buffer takes and `TOTAL`;
//! - `pub struct Links` with one `&'static dyn Connector` field per URL scheme the node
//!   uses (`pub mqtt: ...`); an empty struct if it uses none;
//! - tokio: `pub async fn run(links: Links)`; embassy: `pub fn spawn(spawner: Spawner,
//!   links: Links)`, to call once. Both register the node's claims with the run-time
//!   registry (a second producer of a key from another topology in the same binary panics
//!   here, before any task runs), subscribe every reader, attach the inbound links, then
//!   start one task per source, tap, outbound link and transform. No heap is used on
//!   embassy.
//! - An outbound link's task waits for its connector to have room (`poll_ready`). On a
//!   ring record, values produced meanwhile wait in the ring; when the ring wraps past the
//!   link's reader, the link continues with the oldest value still held and reports how
//!   many it lost (`Skipped::Lagged`, the connector's `lagged` counter), so for every link
//!   `sent + dropped + lagged + encode_errors + oversize` accounts for every value produced
//!   (plus those still on their way).
//!
//! ### Reading the generated code
//! `cargo expand` shows it. Or set `AIMDB_EXPAND_DIR=DIR` when building: each node's code
//! is written, pretty-printed, to `DIR/NAME.rs`. Cargo does not track that variable, so
//! touch the file holding the topology after setting it.
#![no_std]

#[cfg(feature = "std")]
extern crate std;

// A deliberate set, in the manner of tokio's sync: the record handles and buffers, the
// modules users name (`aimdb::mutex::CriticalSectionRawMutex`, `aimdb::connector::CodecError`,
// `aimdb::address::mqtt`, `aimdb::join::Trigger` in a join's handler); what only generated
// code needs (the ownership registry) is reached through `__private`.
pub use aimdb_core::{
    BufferKind, Consumer, Mailbox, Produced, Producer, RecordBuffer, RecordKey, RecordView,
    RecvError, SingleLatest, SourceHandle, SpmcRing, SubscribeError, TryRecvError,
};
pub use aimdb_core::{address, buffer, connector, join, key, mutex, view};
pub use aimdb_macros::{RecordKey, topology};

mod buffer_cfg;
pub use buffer_cfg::BufferCfg;

#[cfg(any(feature = "postcard", feature = "json", feature = "cdr"))]
pub mod codec;
#[cfg(any(feature = "postcard", feature = "json", feature = "cdr"))]
pub mod contract;

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
