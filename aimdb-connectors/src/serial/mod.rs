//! The serial connector (`serial://`): records linked over a byte stream in COBS frames,
//! with no broker in between: a UART between an MCU and a host, or a TCP stream (QEMU's
//! serial port seen from the host). `no_std`, no heap, on any
//! [`embedded_io_async`] stream; feature `serial`, plus `serial-tokio` for tokio streams.
//!
//! ```ignore
//! use aimdb_connectors::serial::SerialConnector;
//! use aimdb_core::mutex::CriticalSectionRawMutex;
//!
//! // 8 frames queued, frames up to 64 bytes (payloads up to 58), up to 8 links.
//! static SERIAL: SerialConnector<CriticalSectionRawMutex, 8, 64> = SerialConnector::new();
//!
//! #[embassy_executor::task]
//! async fn serial_link(mut rx: Uart0Rx, mut tx: Uart0Tx) {
//!     loop {
//!         // Returns when the stream fails (a UART overrun, a closed socket): run again.
//!         let _ = SERIAL.run(&mut rx, &mut tx).await;
//!     }
//! }
//! // The generated node calls SERIAL.attach(..), poll_ready(..) and publish(..).
//! ```
//!
//! - **On the wire** each value is one frame, `COBS(link id, payload, CRC-16) 0x00`; see
//!   [`frame`] for the format and its 8 bytes of overhead. The link id is a hash of the
//!   link address, so both ends only need the same URL.
//! - **Outbound**, [`publish`](aimdb_core::connector::Connector::publish) puts the frame
//!   in a queue of `QUEUE` frames and returns at once. When the queue is full, a
//!   `SingleLatest` or `Mailbox` link's newer value replaces its queued one, an `SpmcRing`
//!   link's oldest queued value makes room, and otherwise the value is dropped; all three
//!   are counted (`poll_ready` lets a link task wait for room instead).
//!   [`run`](SerialConnector::run) writes queued frames in order.
//! - **Inbound**, `run` decodes frames as bytes arrive and hands each payload to the
//!   route attached for its link id. Damaged (CRC), truncated and oversize frames are
//!   counted and skipped; the decoder resynchronises on the next delimiter.
//! - **Counters** per link ([`LinkStats`]) and per connector ([`SerialStats`]).
//!
//! All of it is the [connector kit](crate::kit)'s [`FramedConnector`]; this module is the
//! scheme's [`Addressing`]: one stream per connector, the whole address names the link.
//!
//! The sizes are const parameters: `MAX_FRAME` is the largest frame before COBS (payload
//! plus [`FRAME_OVERHEAD`]), `LINKS` the number of distinct addresses with their own
//! counters and routes.

pub use crate::kit::frame;
pub use crate::kit::{FramedConnector, LinkStats, RunEnd, StreamEnd};
pub use frame::{FRAME_OVERHEAD, link_id};

use crate::kit::Addressing;

/// A serial connector; see the [module docs](self). `M` guards queue and link table,
/// `QUEUE` is the outbound queue length in frames, `MAX_FRAME` the largest frame before
/// COBS, `LINKS` the number of addresses it tracks.
pub type SerialConnector<M, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize = 8> =
    FramedConnector<Serial, M, QUEUE, MAX_FRAME, LINKS>;

/// A snapshot of a serial connector's counters.
pub use crate::kit::FramedStats as SerialStats;

/// The `serial://` scheme on a framed stream: the stream is the connector's, and the whole
/// address (`plant/reading`) names the link.
#[derive(Clone, Copy, Debug)]
pub enum Serial {}

impl Addressing for Serial {
    const SCHEME: &'static str = "serial";

    fn split(address: &str) -> Option<(&str, &str)> {
        Some(("", address))
    }
}
