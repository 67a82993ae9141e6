//! The framed connector: the kit's links and outbox behind [`Connector`], for any scheme
//! whose values travel as [`frame`](super::frame)s over one byte stream.

use core::cell::Cell;
use core::marker::PhantomData;
use core::task::{Context, Poll};

use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{Connector, InboundRoute, PublishError, Skipped};
use aimdb_core::mutex::RawMutex;
use embassy_sync::blocking_mutex::Mutex;

use super::frame::{self, FRAME_OVERHEAD, link_id};
use super::links::{LinkStats, Links};
use super::outbox::{Outbox, Pushed};
use crate::counters::{bump, counters};

/// How a scheme's addresses sit on a framed stream: the stream's **endpoint** (where to
/// dial or listen) and the **link** name within it, whose hash is the frame's link id.
///
/// One [`FramedConnector`] carries one stream, so it serves the links of one endpoint: the
/// first address attached or registered fixes it, and addresses naming another endpoint
/// are refused (counted in [`FramedStats::invalid_links`]).
pub trait Addressing {
    /// The URL scheme, without `://`.
    const SCHEME: &'static str;

    /// `(endpoint, link)` of an address (the URL without its scheme), or `None` if the
    /// scheme's grammar refuses it. A scheme with one stream per connector (`serial://`)
    /// returns an empty endpoint and the whole address as the link.
    fn split(address: &str) -> Option<(&str, &str)>;
}

counters! {
    /// The live connector-wide counters.
    pub(crate) struct ConnectorCounters: AtomicU32;
    /// A snapshot of a framed connector's counters.
    pub struct FramedStats: u32 {
        /// Times [`run`](FramedConnector::run) was started: once per stream (on `tcp://`
        /// and `uds://`, once per connection).
        runs,
        /// Runs that ended because the stream failed or closed (or, listening, because a
        /// new connection replaced it).
        stream_errors,
        /// Failed connects of a dialing connector (`dial_with`, `tcp://` and `uds://`
        /// clients), each followed by a backoff.
        connect_errors,
        /// Frames written to the stream.
        frames_sent,
        /// Valid frames received (routed or not).
        frames_received,
        /// Received frames that were truncated, too short or failed the CRC (skipped).
        malformed,
        /// Received frames larger than `MAX_FRAME` (skipped), plus outbound values too
        /// large for a frame.
        oversize,
        /// Valid frames whose link id no attached route takes.
        unrouted,
        /// Routes rejected at attach time (link id collision, full table), and addresses
        /// the scheme refuses or that name another endpoint than the connector's.
        invalid_links,
        /// Values that did not go out for lack of room in the outbound queue (all links):
        /// refused, or replaced or evicted by a newer value of their own link.
        dropped,
    }
    extra {
        /// Frames waiting in the outbound queue now.
        queued: u32,
    }
}

/// A connector that carries records as frames over one byte stream; see the
/// [kit](super). `A` is the scheme's [`Addressing`], `M` the mutex guarding queue and
/// link table (`CriticalSectionRawMutex` on an MCU, `StdRawMutex` on a host), `QUEUE` the
/// outbound queue length in frames, `MAX_FRAME` the largest frame before COBS (payloads up
/// to `MAX_FRAME - FRAME_OVERHEAD` bytes), `LINKS` the number of addresses it tracks.
pub struct FramedConnector<
    A,
    M: RawMutex,
    const QUEUE: usize,
    const MAX_FRAME: usize,
    const LINKS: usize = 8,
> {
    pub(super) outbox: Outbox<M, QUEUE, MAX_FRAME>,
    pub(super) links: Links<M, LINKS>,
    pub(super) counters: ConnectorCounters,
    endpoint: Mutex<M, Cell<Option<&'static str>>>,
    scheme: PhantomData<fn() -> A>,
}

impl<A: Addressing, M: RawMutex, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize>
    FramedConnector<A, M, QUEUE, MAX_FRAME, LINKS>
{
    /// The largest payload one frame carries.
    pub const MAX_PAYLOAD: usize = MAX_FRAME.saturating_sub(FRAME_OVERHEAD);

    /// A connector with an empty queue and no links, ready to live in a `static`.
    pub const fn new() -> Self {
        FramedConnector {
            outbox: Outbox::new(),
            links: Links::new(),
            counters: ConnectorCounters::new(),
            endpoint: Mutex::new(Cell::new(None)),
            scheme: PhantomData,
        }
    }

    /// A snapshot of the connector-wide counters.
    pub fn stats(&self) -> FramedStats {
        self.counters.snapshot(self.outbox.len() as u32)
    }

    /// A snapshot of the counters of the link at `address` (the URL without its scheme),
    /// or `None` if no link uses it.
    pub fn link_stats(&self, address: &str) -> Option<LinkStats> {
        self.links.stats(self.id(address)?)
    }

    /// The endpoint the connector's links name (`127.0.0.1:7000` for `tcp://`), once an
    /// address was attached or registered; empty for `serial://`.
    pub fn endpoint(&self) -> Option<&'static str> {
        self.endpoint.lock(Cell::get)
    }

    /// The link id of `address`, if the scheme takes it and it names this connector's
    /// endpoint (or none is fixed yet).
    fn id(&self, address: &str) -> Option<u32> {
        let (endpoint, link) = A::split(address)?;
        let ours = self.endpoint().is_none_or(|ours| ours == endpoint);
        ours.then(|| link_id(link))
    }

    /// [`id`](Self::id) for an address the node declares, which fixes the endpoint if it is
    /// the first; counted as invalid when refused.
    fn declare(&self, address: &'static str) -> Option<u32> {
        if let Some((endpoint, _)) = A::split(address) {
            self.endpoint.lock(|ours| {
                if ours.get().is_none() {
                    ours.set(Some(endpoint));
                }
            });
        }
        let id = self.id(address);
        if id.is_none() {
            bump(&self.counters.invalid_links);
        }
        id
    }
}

impl<A: Addressing, M: RawMutex, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize>
    Default for FramedConnector<A, M, QUEUE, MAX_FRAME, LINKS>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<A: Addressing, M: RawMutex, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize>
    core::fmt::Debug for FramedConnector<A, M, QUEUE, MAX_FRAME, LINKS>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FramedConnector")
            .field("scheme", &A::SCHEME)
            .field("endpoint", &self.endpoint())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl<A, M, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize> Connector
    for FramedConnector<A, M, QUEUE, MAX_FRAME, LINKS>
where
    A: Addressing,
    M: RawMutex + Sync,
{
    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.outbox.poll_ready(cx)
    }

    fn publish(&self, address: &str, payload: &[u8]) -> Result<(), PublishError> {
        let Some(id) = self.id(address) else {
            bump(&self.counters.invalid_links);
            return Err(PublishError::NoRoute);
        };
        let (slot, overflow) = self.links.outbound(id);
        let len = payload.len() + FRAME_OVERHEAD;
        let pushed = self.outbox.push(slot, overflow, len, |out| {
            // `out` is exactly the frame's length, so the frame always fits.
            let _ = frame::write_frame(id, payload, out);
        });
        self.links.pushed(slot, pushed);
        match pushed {
            Ok(Pushed::Queued) => Ok(()),
            Ok(Pushed::Replaced | Pushed::Evicted) => {
                bump(&self.counters.dropped);
                Ok(())
            }
            Err(PublishError::Oversize) => {
                bump(&self.counters.oversize);
                Err(PublishError::Oversize)
            }
            Err(error) => {
                bump(&self.counters.dropped);
                Err(error)
            }
        }
    }

    fn attach(&self, routes: &'static [InboundRoute]) {
        for route in routes {
            let Some(id) = self.declare(route.address) else {
                continue;
            };
            // A collision or a full table is a start-up configuration error; without a
            // console to report it on, the route is skipped and counted.
            if self.links.attach(id, route.address, route.deliver).is_err() {
                bump(&self.counters.invalid_links);
            }
        }
    }

    fn register_outbound(&self, address: &'static str, kind: BufferKind) {
        if let Some(id) = self.declare(address) {
            let _ = self.links.register(id, address, kind);
        }
    }

    fn skipped(&self, address: &str, skipped: Skipped) {
        if let Some(id) = self.id(address) {
            self.links.skipped(id, skipped);
        }
    }
}
