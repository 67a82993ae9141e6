//! The connector kit: the parts every queueing connector needs, `no_std` and without a
//! heap (feature `kit`, which the connectors built on it turn on).
//!
//! - [`links::Links`]: the link table (link ids to slots, each with its address, its
//!   inbound route and its overflow policy) and each link's counters ([`LinkStats`]);
//!   delivery of an arrived payload to its route, counted by outcome; what a link task
//!   skipped (`Connector::skipped`).
//! - [`outbox::Outbox`]: the outbound queue between `Connector::publish` and the transport,
//!   whose overflow follows each link's record buffer ([`Overflow`]: a `SingleLatest` or
//!   `Mailbox` link's newer value replaces its queued one, an `SpmcRing` link drops its own
//!   oldest), with `poll_ready` for link tasks that wait for room.
//! - [`FramedConnector`]: both behind [`Connector`](aimdb_core::connector::Connector), for
//!   schemes whose values travel as [`frame`]s (`COBS(link id, payload, CRC-16) 0x00`)
//!   over one byte stream; its `run` is the transmit (`link_out`) and receive loop over any
//!   `embedded-io-async` stream, `run_tokio` over a tokio stream (feature `kit-tokio`).
//!   A scheme plugs in with an [`Addressing`]: which endpoint an address names, and which
//!   link within it.
//!
//! Connectors on the kit: `serial://` (a UART, or QEMU's serial port over TCP), `tcp://`
//! and `uds://`, each a module of one `Addressing` and the code that opens its streams; the
//! embassy MQTT connector queues in the [`Outbox`](outbox::Outbox) (its links are topics
//! with QoS and retain, so it keeps its own table).
//!
//! A new stream transport is a module like `tcp`: an [`Addressing`] over the scheme's
//! grammar in `aimdb_core::address`, a type alias of [`FramedConnector`], and whatever
//! dials or accepts its streams.

pub mod frame;
mod framed;
pub mod links;
pub mod outbox;
mod run;
#[cfg(feature = "kit-tokio")]
mod tokio;

pub use framed::{Addressing, FramedConnector, FramedStats};
pub use links::LinkStats;
pub use outbox::Overflow;
pub use run::{RunEnd, StreamEnd};
#[cfg(feature = "kit-tokio")]
pub use tokio::{Backoff, CONNECT_TIMEOUT};
