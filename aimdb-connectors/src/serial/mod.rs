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
//! - **Outbound**, [`publish`](Connector::publish) puts the frame in a queue of `QUEUE`
//!   frames and returns at once; when the queue is full the value is dropped and counted
//!   (`poll_ready` lets a link task wait for room instead). [`run`](SerialConnector::run)
//!   writes queued frames in order.
//! - **Inbound**, `run` decodes frames as bytes arrive and hands each payload to the
//!   route attached for its link id. Damaged (CRC), truncated and oversize frames are
//!   counted and skipped; the decoder resynchronises on the next delimiter.
//! - **Counters** per link ([`LinkStats`]) and per connector ([`SerialStats`]).
//!
//! The sizes are const parameters: `MAX_FRAME` is the largest frame before COBS (payload
//! plus [`FRAME_OVERHEAD`]), `LINKS` the number of distinct addresses with their own
//! counters and routes.

pub mod frame;
mod links;
mod run;
#[cfg(feature = "serial-tokio")]
mod tokio;

use core::cell::RefCell;
use core::task::{Context, Poll};

use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{Connector, InboundRoute, PublishError, Skipped};
use aimdb_core::mutex::RawMutex;
use embassy_sync::blocking_mutex::Mutex;
use embassy_sync::channel::{Channel, TrySendError};

pub use frame::{FRAME_OVERHEAD, link_id};
pub use links::{LinkStats, SerialStats};
pub use run::{RunEnd, StreamEnd};

use crate::counters::count_skipped;
use links::{ConnectorCounters, LinkCounters, LinkTable, bump};

/// One queued frame: link id, payload and CRC, not yet COBS-encoded.
struct QueuedFrame<const N: usize> {
    /// The link's slot in the table, for its `sent` counter.
    slot: Option<usize>,
    len: usize,
    bytes: [u8; N],
}

/// A serial connector; see the [module docs](self).
///
/// `M` is the mutex guarding queue and link table (`CriticalSectionRawMutex` on an MCU,
/// `StdRawMutex` on a host), `QUEUE` the outbound queue length in frames, `MAX_FRAME` the
/// largest frame before COBS (payloads up to `MAX_FRAME - FRAME_OVERHEAD` bytes), `LINKS`
/// the number of addresses it tracks.
pub struct SerialConnector<
    M: RawMutex,
    const QUEUE: usize,
    const MAX_FRAME: usize,
    const LINKS: usize = 8,
> {
    queue: Channel<M, QueuedFrame<MAX_FRAME>, QUEUE>,
    table: Mutex<M, RefCell<LinkTable<LINKS>>>,
    links: [LinkCounters; LINKS],
    counters: ConnectorCounters,
}

impl<M: RawMutex, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize>
    SerialConnector<M, QUEUE, MAX_FRAME, LINKS>
{
    /// The largest payload one frame carries.
    pub const MAX_PAYLOAD: usize = MAX_FRAME.saturating_sub(FRAME_OVERHEAD);

    /// A connector with an empty queue and no links, ready to live in a `static`.
    pub const fn new() -> Self {
        SerialConnector {
            queue: Channel::new(),
            table: Mutex::new(RefCell::new(LinkTable::new())),
            links: [const { LinkCounters::new() }; LINKS],
            counters: ConnectorCounters::new(),
        }
    }

    /// A snapshot of the connector-wide counters.
    pub fn stats(&self) -> SerialStats {
        self.counters.snapshot(self.queue.len() as u32)
    }

    /// A snapshot of the counters of the link at `address` (the URL without `serial://`),
    /// or `None` if no link uses it.
    pub fn link_stats(&self, address: &str) -> Option<LinkStats> {
        let slot = self.table.lock(|t| t.borrow().slot(link_id(address)))?;
        Some(self.links[slot].snapshot())
    }

    fn outbound_slot(&self, id: u32, address: Option<&'static str>) -> Option<usize> {
        self.table.lock(|t| t.borrow_mut().outbound(id, address))
    }

    fn link(&self, slot: Option<usize>) -> Option<&LinkCounters> {
        slot.map(|slot| &self.links[slot])
    }
}

impl<M: RawMutex, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize> Default
    for SerialConnector<M, QUEUE, MAX_FRAME, LINKS>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<M: RawMutex, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize> core::fmt::Debug
    for SerialConnector<M, QUEUE, MAX_FRAME, LINKS>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SerialConnector")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl<M, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize> Connector
    for SerialConnector<M, QUEUE, MAX_FRAME, LINKS>
where
    M: RawMutex + Sync,
{
    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.queue.poll_ready_to_send(cx)
    }

    fn publish(&self, address: &str, payload: &[u8]) -> Result<(), PublishError> {
        let id = link_id(address);
        let slot = self.outbound_slot(id, None);
        let mut frame = QueuedFrame {
            slot,
            len: 0,
            bytes: [0; MAX_FRAME],
        };
        let Some(len) = frame::write_frame(id, payload, &mut frame.bytes) else {
            bump(&self.counters.oversize);
            if let Some(link) = self.link(slot) {
                bump(&link.oversize);
            }
            return Err(PublishError::Oversize);
        };
        frame.len = len;
        match self.queue.try_send(frame) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                bump(&self.counters.dropped);
                if let Some(link) = self.link(slot) {
                    bump(&link.dropped);
                }
                Err(PublishError::Full)
            }
        }
    }

    fn attach(&self, routes: &'static [InboundRoute]) {
        for route in routes {
            let id = link_id(route.address);
            let attached = self
                .table
                .lock(|t| t.borrow_mut().attach(id, route.address, route.deliver));
            // A collision or a full table is a start-up configuration error; without a
            // console to report it on, the route is skipped and counted.
            if attached.is_err() {
                bump(&self.counters.invalid_links);
            }
        }
    }

    fn register_outbound(&self, address: &'static str, _kind: BufferKind) {
        let _ = self.outbound_slot(link_id(address), Some(address));
    }

    fn skipped(&self, address: &str, skipped: Skipped) {
        let Some(link) = self.link(self.outbound_slot(link_id(address), None)) else {
            return;
        };
        count_skipped(skipped, &link.lagged, &link.encode_errors, &link.oversize);
    }
}
