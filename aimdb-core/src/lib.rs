//! # aimdb-core
//!
//! The runtime that compiled topologies run on. Everything here is `no_std` and
//! allocation-free so the same buffers back a microcontroller node and a host node:
//!
//! - [`RecordKey`]: the identity of a record (a `&'static str` underneath).
//! - Three static buffers, each with a `const fn new()` so it can live in a `static`,
//!   generic over the mutex (an embassy-sync [`RawMutex`](mutex::RawMutex)) and sized by
//!   const generics for capacity and reader count:
//!   [`SpmcRing`], [`SingleLatest`],
//!   [`Mailbox`].
//! - [`Producer`] and [`Consumer`] handles, which work for every buffer kind.
//! - The [`registry`]: the run-time fallback of the ownership rule ("every key has exactly
//!   one authoritative producer"), checked before any task runs.
//! - The [`connector`] interface that links use to cross a machine boundary.
//! - [`contract`]: the fingerprint header in front of every named codec's payload.
//! - [`view`]: the read-only [`RecordView`] code outside a node gets of its records, and
//!   the [`SourceHandle`] of a record produced by code outside the node's tasks.
//! - [`address`]: the scheme table and one address grammar per URL scheme, shared by the
//!   compiler and the connectors.
//! - [`join`]: the fan-in a compiled `.transform_join()` reads its inputs through.
#![no_std]
#![forbid(unsafe_op_in_unsafe_fn)]

#[cfg(feature = "std")]
extern crate std;

pub mod address;
pub mod buffer;
pub mod connector;
pub mod contract;
pub mod handle;
pub mod join;
pub mod key;
pub mod mutex;
pub mod registry;
pub mod view;

pub use buffer::{
    BufferKind, Mailbox, RecordBuffer, RecvError, SingleLatest, SpmcRing, SubscribeError,
    TryRecvError,
};
pub use handle::{Consumer, Produced, Producer};
pub use key::RecordKey;
pub use view::{RecordView, SourceHandle};
