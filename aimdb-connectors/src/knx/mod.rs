//! KNX over KNXnet/IP tunnelling (`knx://MAIN/MIDDLE/SUB`, feature `knx`; the tokio side
//! with `knx-tokio`): records linked to group addresses of a KNX installation through a
//! KNX/IP interface or router (or knxd), `no_std`, no heap.
//!
//! ```ignore
//! use aimdb_connectors::knx::{KnxConfig, KnxConnector};
//! use aimdb_core::mutex::CriticalSectionRawMutex;
//!
//! // 8 telegrams queued, up to 8 group addresses.
//! static KNX: KnxConnector<CriticalSectionRawMutex, 8, 8> = KnxConnector::new(KnxConfig::new());
//!
//! #[embassy_executor::task]
//! async fn knx(mut socket: MyUdp) {
//!     // `MyUdp` implements `KnxUdp`: an embassy-net UdpSocket bound to a local port,
//!     // sending to the interface's 3671 and keeping only datagrams from it.
//!     KNX.run(&mut socket).await // returns only after `KNX.close()`
//! }
//! ```
//!
//! On a host (`knx-tokio`), [`KnxConnector::start`] binds a UDP socket and spawns the same
//! loop on tokio: `let knx = KnxConnector::<StdRawMutex, 64, 16>::start(config, server)?;`.
//!
//! - **Addresses** are group addresses in three-level form, checked at compile time by the
//!   scheme's one grammar ([`aimdb_core::address::knx`]): `knx://1/2/3`. They take no
//!   options; the datapoint type is the link's codec ([`dpt`]).
//! - **Outbound** (`link_to`), [`publish`](Connector::publish) queues the value (up to
//!   `QUEUE` telegrams) and returns; the connection loop sends each as an
//!   `A_GroupValue_Write` to the group address, one at a time (ACK, then `L_Data.con`). A
//!   full queue drops the value and counts it; `poll_ready` waits for room instead.
//! - **Inbound** (`link_from`), group value writes and responses from the bus to an
//!   attached route's group address are handed to the route; decode failures are counted
//!   and skipped. Group value reads are not answered.
//! - **Payloads** are the telegram's data in KNX's own form, so a codec decides between
//!   the short (≤ 6 bits) and the long form; see [`frames::GroupTelegram`]. The [`dpt`]
//!   codecs write it; a payload the telegram cannot carry is refused and counted.
//! - **The tunnel** ([`tunnel`]): connect, heartbeat every [`KnxConfig::heartbeat_interval`],
//!   every TUNNELLING_REQUEST ACKed (the `L_Data.con` too), a missing ACK retransmitted once
//!   after 1 s, a lost server reconnected with backoff and counted
//!   ([`KnxStats::reconnects`]). Telegrams queued while the tunnel is down are sent when
//!   it is back (as far as the queue holds them); the one in flight when it died is
//!   dropped and counted.
//! - **Counters** per link ([`LinkStats`]: sent, received, dropped, lagged, encode and
//!   decode errors, oversize) and per connector ([`KnxStats`]).

pub mod dpt;
pub mod frames;
pub mod tunnel;

mod counters;
mod links;
mod run;
#[cfg(feature = "knx-tokio")]
mod tokio;

use core::cell::RefCell;
use core::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use core::task::{Context, Poll};
use core::time::Duration;

use aimdb_core::address::knx::GroupAddress;
use aimdb_core::connector::{Connector, InboundRoute, PublishError, Skipped};
use aimdb_core::mutex::RawMutex;
use embassy_sync::blocking_mutex::Mutex;
use embassy_sync::channel::{Channel, TrySendError};
use embassy_sync::signal::Signal;

pub use counters::{KnxStats, LinkStats};
pub use frames::MAX_PAYLOAD;
pub use run::{Clock, EmbassyClock, KnxUdp};
#[cfg(feature = "knx-tokio")]
pub use tokio::{TokioClock, TokioUdp};

use crate::counters::{bump, count_skipped};
use counters::{KnxCounters, LinkCounters};
use links::LinkTable;
use tunnel::{Event, Timing};

/// Connection settings of a [`KnxConnector`]; the defaults are the KNXnet/IP spec's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnxConfig {
    /// CONNECT_REQUEST to CONNECT_RESPONSE (spec: 10 s).
    pub connect_timeout: Duration,
    /// Between heartbeats (CONNECTIONSTATE_REQUEST; spec: 60 s, servers drop a tunnel
    /// after 120 s without one).
    pub heartbeat_interval: Duration,
    /// Heartbeat to its answer (spec: 10 s).
    pub heartbeat_timeout: Duration,
    /// Heartbeats sent, unanswered, before the tunnel is given up (spec: 3).
    pub heartbeat_attempts: u8,
    /// TUNNELLING_REQUEST to its ACK before the one retransmission (spec: 1 s).
    pub ack_timeout: Duration,
    /// ACK to `L_Data.con` before the next telegram goes out anyway; zero: do not wait
    /// for confirmations (faster, but a slow bus can then overrun the server's queue).
    pub confirm_timeout: Duration,
    /// DISCONNECT_REQUEST to its answer when closing.
    pub disconnect_timeout: Duration,
    /// The first reconnect delay.
    pub backoff_min: Duration,
    /// The largest reconnect delay (doubling from `backoff_min`).
    pub backoff_max: Duration,
}

impl KnxConfig {
    /// The spec's timings: connect 10 s, heartbeat every 60 s (10 s timeout, 3 attempts),
    /// ACK 1 s, confirmation 3 s, disconnect 1 s; backoff 100 ms doubling to 5 s.
    pub const fn new() -> Self {
        KnxConfig {
            connect_timeout: Duration::from_secs(10),
            heartbeat_interval: Duration::from_secs(60),
            heartbeat_timeout: Duration::from_secs(10),
            heartbeat_attempts: 3,
            ack_timeout: Duration::from_secs(1),
            confirm_timeout: Duration::from_secs(3),
            disconnect_timeout: Duration::from_secs(1),
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
        }
    }

    /// The tunnel's timings in milliseconds.
    pub const fn timing(&self) -> Timing {
        const fn ms(d: Duration) -> u64 {
            let ms = d.as_millis();
            if ms > u64::MAX as u128 {
                u64::MAX
            } else {
                ms as u64
            }
        }
        Timing {
            connect_timeout: ms(self.connect_timeout),
            heartbeat_interval: ms(self.heartbeat_interval),
            heartbeat_timeout: ms(self.heartbeat_timeout),
            heartbeat_attempts: if self.heartbeat_attempts == 0 {
                1
            } else {
                self.heartbeat_attempts
            },
            ack_timeout: ms(self.ack_timeout),
            confirm_timeout: ms(self.confirm_timeout),
            disconnect_timeout: ms(self.disconnect_timeout),
            backoff_min: ms(self.backoff_min),
            backoff_max: ms(self.backoff_max),
        }
    }
}

impl Default for KnxConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// One queued telegram.
struct Outgoing {
    slot: u8,
    destination: u16,
    len: u8,
    bytes: [u8; MAX_PAYLOAD],
}

/// A KNX connector for either runtime; see the [module docs](self).
///
/// `M` guards queue and link table (`CriticalSectionRawMutex` on an MCU, `StdRawMutex`
/// on a host), `QUEUE` is the outbound queue length in telegrams, `LINKS` the number of
/// group addresses (at most 256).
pub struct KnxConnector<M: RawMutex, const QUEUE: usize, const LINKS: usize = 8> {
    config: KnxConfig,
    queue: Channel<M, Outgoing, QUEUE>,
    table: Mutex<M, RefCell<LinkTable<LINKS>>>,
    links: [LinkCounters; LINKS],
    counters: KnxCounters,
    connected: AtomicBool,
    address: AtomicU16,
    close: Signal<M, ()>,
}

impl<M: RawMutex, const QUEUE: usize, const LINKS: usize> KnxConnector<M, QUEUE, LINKS> {
    /// A connector with an empty queue and no links, ready to live in a `static`.
    pub const fn new(config: KnxConfig) -> Self {
        const {
            assert!(
                LINKS <= 256,
                "a KNX connector tracks at most 256 group addresses"
            )
        };
        KnxConnector {
            config,
            queue: Channel::new(),
            table: Mutex::new(RefCell::new(LinkTable::new())),
            links: [const { LinkCounters::new() }; LINKS],
            counters: KnxCounters::new(),
            connected: AtomicBool::new(false),
            address: AtomicU16::new(0),
            close: Signal::new(),
        }
    }

    /// The connection settings.
    pub fn config(&self) -> &KnxConfig {
        &self.config
    }

    /// A snapshot of the connector-wide counters.
    pub fn stats(&self) -> KnxStats {
        self.counters.snapshot(
            self.queue.len() as u32,
            self.connected.load(Ordering::Relaxed),
            self.address.load(Ordering::Relaxed),
        )
    }

    /// A snapshot of the counters of the link at `address` (`1/2/3`, the URL without
    /// `knx://`), or `None` if no link uses that group address.
    pub fn link_stats(&self, address: &str) -> Option<LinkStats> {
        let group = GroupAddress::parse(address).ok()?.raw();
        let slot = self.table.lock(|t| t.borrow().slot(group))?;
        Some(self.links[slot].snapshot())
    }

    /// Ask the connection loop to disconnect (DISCONNECT_REQUEST) and return; queued
    /// telegrams stay queued for a later `run`.
    pub fn close(&self) {
        self.close.signal(());
    }

    /// The slot of the outbound link at `address`, claimed on first use; `None` (counted
    /// as an invalid link) for an address that is no group address or a full table.
    fn outbound_slot(&self, address: &str) -> Option<(usize, u16)> {
        let group = match GroupAddress::parse(address) {
            Ok(group) => group.raw(),
            Err(_) => {
                bump(&self.counters.invalid_links);
                return None;
            }
        };
        match self.table.lock(|t| t.borrow_mut().outbound(group)) {
            Ok(slot) => Some((slot, group)),
            Err(_) => {
                bump(&self.counters.invalid_links);
                None
            }
        }
    }

    /// Count one event of the tunnel.
    fn on_event(&self, event: Event<'_>) {
        let c = &self.counters;
        let link = |tag: u8| self.links.get(usize::from(tag));
        match event {
            Event::Connected { address, .. } => {
                if c.connects.load(Ordering::Relaxed) > 0 {
                    bump(&c.reconnects);
                }
                bump(&c.connects);
                self.address.store(address, Ordering::Relaxed);
                self.connected.store(true, Ordering::Relaxed);
            }
            Event::ConnectFailed { .. } => bump(&c.connection_errors),
            Event::Lost(_) => {
                bump(&c.connection_errors);
                self.connected.store(false, Ordering::Relaxed);
            }
            Event::Closed => self.connected.store(false, Ordering::Relaxed),
            Event::Sent { tag } => link(tag).into_iter().for_each(|l| bump(&l.sent)),
            Event::Rejected { tag, .. } => {
                bump(&c.nacks);
                link(tag).into_iter().for_each(|l| bump(&l.dropped));
            }
            Event::Dropped { tag } => link(tag).into_iter().for_each(|l| bump(&l.dropped)),
            Event::Confirmed { ok: true, .. } => bump(&c.confirms),
            Event::Confirmed { ok: false, .. } => bump(&c.confirm_errors),
            Event::Unconfirmed { .. } => bump(&c.confirm_timeouts),
            Event::Retransmitted { .. } => bump(&c.retransmits),
            Event::Heartbeat => bump(&c.heartbeats),
            Event::Telegram(telegram) => self.deliver(&telegram),
            Event::Duplicate => bump(&c.duplicates),
            Event::OutOfSequence => bump(&c.out_of_sequence),
            Event::Malformed => bump(&c.malformed),
            Event::Stray => {}
        }
    }

    /// Hand a group telegram from the bus to the route of its group address.
    fn deliver(&self, telegram: &frames::GroupTelegram<'_>) {
        if telegram.service == frames::GroupService::Read {
            return;
        }
        bump(&self.counters.telegrams_received);
        let Some((slot, deliver)) = self
            .table
            .lock(|t| t.borrow().inbound(telegram.destination))
        else {
            bump(&self.counters.unrouted);
            return;
        };
        let link = &self.links[slot];
        let mut buffer = [0u8; MAX_PAYLOAD];
        let Some(payload) = telegram.copy_payload(&mut buffer) else {
            bump(&link.oversize);
            return;
        };
        // Delivered without the table lock held: the route produces into a buffer, which
        // may wake tasks.
        link.delivered(deliver(payload));
    }
}

impl<M, const QUEUE: usize, const LINKS: usize> Connector for KnxConnector<M, QUEUE, LINKS>
where
    M: RawMutex + Sync,
{
    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.queue.poll_ready_to_send(cx)
    }

    fn publish(&self, address: &str, payload: &[u8]) -> Result<(), PublishError> {
        let (slot, destination) = self.outbound_slot(address).ok_or(PublishError::NoRoute)?;
        let link = &self.links[slot];
        if payload.len() > MAX_PAYLOAD {
            bump(&link.oversize);
            return Err(PublishError::Oversize);
        }
        // Not a telegram's data: empty, or a first byte above the APCI octet's 6 bits.
        if payload.first().is_none_or(|first| *first > 0x3F) {
            bump(&link.encode_errors);
            return Err(PublishError::Oversize);
        }
        let mut telegram = Outgoing {
            slot: slot as u8,
            destination,
            len: payload.len() as u8,
            bytes: [0; MAX_PAYLOAD],
        };
        telegram.bytes[..payload.len()].copy_from_slice(payload);
        match self.queue.try_send(telegram) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                bump(&link.dropped);
                Err(PublishError::Full)
            }
        }
    }

    fn attach(&self, routes: &'static [InboundRoute]) {
        for route in routes {
            let attached = GroupAddress::parse(route.address).ok().and_then(|group| {
                self.table
                    .lock(|t| t.borrow_mut().attach(group.raw(), route.deliver))
                    .ok()
            });
            // A bad address is a start-up configuration error the compiler should have
            // caught; without a console to report it on, the route is skipped and counted.
            if attached.is_none() {
                bump(&self.counters.invalid_links);
            }
        }
    }

    fn register_outbound(&self, address: &'static str, _kind: aimdb_core::buffer::BufferKind) {
        let _ = self.outbound_slot(address);
    }

    fn skipped(&self, address: &str, skipped: Skipped) {
        let Some((slot, _)) = self.outbound_slot(address) else {
            return;
        };
        let link = &self.links[slot];
        count_skipped(skipped, &link.lagged, &link.encode_errors, &link.oversize);
    }
}

impl<M: RawMutex, const QUEUE: usize, const LINKS: usize> core::fmt::Debug
    for KnxConnector<M, QUEUE, LINKS>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KnxConnector")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aimdb_core::connector::CodecError;
    use aimdb_core::mutex::CriticalSectionRawMutex;

    static TEMPERATURE: Mutex<CriticalSectionRawMutex, core::cell::Cell<f32>> =
        Mutex::new(core::cell::Cell::new(0.0));

    fn set_temperature(payload: &[u8]) -> Result<(), CodecError> {
        let value = dpt::dpt9_001::from_bytes(payload)?;
        TEMPERATURE.lock(|t| t.set(value));
        Ok(())
    }

    static ROUTES: [InboundRoute; 2] = [
        InboundRoute {
            address: "1/2/3",
            deliver: set_temperature,
        },
        InboundRoute {
            address: "32/0/0",
            deliver: set_temperature,
        },
    ];

    #[test]
    fn publish_checks_the_payload_and_counts_per_link() {
        let knx: KnxConnector<CriticalSectionRawMutex, 2, 4> = KnxConnector::new(KnxConfig::new());
        assert_eq!(knx.publish("1/2/4", &[1]), Ok(()));
        assert_eq!(knx.publish("1/2/4", &[0x40]), Err(PublishError::Oversize));
        assert_eq!(knx.publish("1/2/4", &[]), Err(PublishError::Oversize));
        assert_eq!(knx.publish("1/2/4", &[0; 16]), Err(PublishError::Oversize));
        assert_eq!(knx.publish("1/2/4", &[0, 1]), Ok(()));
        assert_eq!(knx.publish("1/2/4", &[0, 2]), Err(PublishError::Full));
        assert_eq!(knx.publish("1/234", &[0]), Err(PublishError::NoRoute));
        knx.skipped("1/2/4", Skipped::Encode(CodecError::Malformed));
        let link = knx.link_stats("1/2/4").unwrap();
        assert_eq!((link.encode_errors, link.oversize, link.dropped), (3, 1, 1));
        let stats = knx.stats();
        assert_eq!((stats.queued, stats.invalid_links), (2, 1));
    }

    #[test]
    fn arrivals_go_to_their_route_and_bad_ones_are_counted() {
        let knx: KnxConnector<CriticalSectionRawMutex, 2, 4> = KnxConnector::new(KnxConfig::new());
        knx.attach(&ROUTES);
        assert_eq!(knx.stats().invalid_links, 1, "32/0/0 is no group address");
        let write = |destination: u16, first: u8, rest: &'static [u8]| {
            Event::Telegram(frames::GroupTelegram {
                service: frames::GroupService::Write,
                source: 0x1101,
                destination,
                first,
                rest,
            })
        };
        knx.on_event(write(0x0A03, 0, &[0x0C, 0x33]));
        assert_eq!(TEMPERATURE.lock(|t| t.get()), 21.5);
        knx.on_event(write(0x0A03, 1, &[]));
        knx.on_event(write(0x0A03, 0, &[0; 15]));
        knx.on_event(write(0x0A09, 1, &[]));
        let link = knx.link_stats("1/2/3").unwrap();
        assert_eq!(
            (link.received, link.decode_errors, link.oversize),
            (1, 1, 1)
        );
        let stats = knx.stats();
        assert_eq!((stats.telegrams_received, stats.unrouted), (4, 1));
    }
}
