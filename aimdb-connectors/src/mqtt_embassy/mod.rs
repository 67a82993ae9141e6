//! MQTT for embassy nodes (`mqtt://`, feature `mqtt-embassy`): `no_std`, no heap, over any
//! `embedded-io-async` byte stream (a UART bridged to a broker, a TCP socket), with
//! rust-mqtt 0.6 (MQTT 5) as the protocol engine.
//!
//! ```ignore
//! use aimdb_connectors::mqtt_embassy::{MqttConfig, MqttConnector, Persistent};
//! use aimdb_core::mutex::CriticalSectionRawMutex;
//!
//! // 8 values queued, payloads up to 64 bytes, up to 8 links.
//! static MQTT: MqttConnector<CriticalSectionRawMutex, 8, 64> =
//!     MqttConnector::new(MqttConfig::new("sensor-node"));
//!
//! #[embassy_executor::task]
//! async fn mqtt(uart: Uart0) {
//!     let mut buffer = [0u8; 1024]; // rust-mqtt's receive buffer
//!     MQTT.run(&mut Persistent(uart), &mut buffer).await // never returns
//! }
//! ```
//!
//! - **Per-link options** from the link URL, as on the host: `mqtt://topic?qos=1&retain=true`,
//!   parsed once per link; QoS from [`MqttConfig::default_qos`] otherwise. A link
//!   registered with [`register_outbound`](Connector::register_outbound) as `SingleLatest`
//!   is published retained unless its URL says `retain=false`, as on the host (generated
//!   nodes register every `link_to`), so a late subscriber gets the current value.
//! - **Outbound**, `publish` copies the value into a queue of `QUEUE` values and returns
//!   (the [kit](crate::kit)'s outbox): a `SingleLatest` or `Mailbox` link's newer value
//!   replaces its queued one, an `SpmcRing` link's oldest queued value makes room in a full
//!   queue, and otherwise a full queue drops the new value; each is counted as `dropped`
//!   (`poll_ready` waits for room instead).
//!   At most [`SEND_MAXIMUM`] QoS 1 publishes are in flight; the queue waits meanwhile.
//! - **Inbound**, every attached route's topic is subscribed after every (re)connect, and
//!   arriving payloads are handed to the route; decode failures are counted and skipped.
//!   A record family's route ([`Connector::attach_family`]) is one wildcard subscription
//!   (`climate/+/reading`) in one link slot; a topic no exact route takes is matched against
//!   the family filters (per family, not per instance) and its instance found by binary
//!   search; an instance outside the declared set is refused and counted
//!   ([`LinkStats`]`::unknown_instance` of `link_stats("climate/+/reading")`).
//! - **Reconnects**: a failed connect, a stream error or end, a protocol error or a missed
//!   keep-alive answer ends the session; the connector dials again ([`Dial`]) after an
//!   exponential backoff ([`MqttConfig::backoff_min`] to [`MqttConfig::backoff_max`]).
//!   Values still queued are sent in the next session, after the QoS 1 values the last
//!   session left unacknowledged, which go out again oldest first (counted in
//!   [`ConnectorStats::resent`]): at least once, nothing the node handed over is lost to a
//!   broker restart. A node that observes a link at QoS 1 keeps its session
//!   ([`MqttConfig::session_expiry`]), so what is published for it while it is away waits
//!   at the broker.
//! - **Counters** per link ([`LinkStats`]) and per connector ([`ConnectorStats`]).
//! - **Credentials** ([`Credentials`]: user name and password, `&'static str`, no heap) go
//!   into every CONNECT: fixed in [`MqttConfig::credentials`], or handed over at run time
//!   with [`MqttConnector::set_credentials`] (firmware reads them from its host at boot,
//!   never from the topology file or its own image). Without them the connector connects
//!   anonymously. A broker that refuses the login is retried after the backoff, like any
//!   failed connect (counted in [`ConnectorStats::connection_errors`]).

mod counters;
mod links;
mod session;
mod unacked;

use core::cell::{Cell, RefCell};
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll};

use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{Connector, FamilyRoute, InboundRoute, PublishError, Skipped};
use aimdb_core::mutex::RawMutex;
use embassy_sync::blocking_mutex::Mutex;
use embassy_time::Duration;

pub use counters::{ConnectorStats, LinkStats};
pub use links::{LinkError, LinkOptions, TOPIC_MAX};
pub use session::{Dial, Persistent};

use crate::counters::{bump, count_skipped};
use crate::kit::links::count_push;
use crate::kit::outbox::{Outbox, Overflow};
use counters::{ConnectorCounters, LinkCounters};
use links::LinkTable;

/// QoS 1 publishes in flight at once (awaiting PUBACK).
pub const SEND_MAXIMUM: usize = 4;

/// A broker login. Borrowed for the program's life, so the connector copies nothing: a
/// `static`, text read once into a static buffer at boot, or a leaked `String` on a host.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Credentials {
    /// The MQTT user name.
    pub username: &'static str,
    /// The password (empty: none is sent).
    pub password: &'static str,
}

impl core::fmt::Debug for Credentials {
    // By hand: the password is never printed.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Connection settings of an [`MqttConnector`].
#[derive(Clone, Copy, Debug)]
pub struct MqttConfig {
    /// The MQTT client identifier. (A broker with `use_username_as_clientid` replaces it
    /// with the user name.)
    pub client_id: &'static str,
    /// The login sent in every CONNECT; `None`: anonymous. See also
    /// [`MqttConnector::set_credentials`].
    pub credentials: Option<Credentials>,
    /// Keep-alive interval (default 5 s, as on the host): a ping goes out when nothing was
    /// sent or nothing arrived for half of it, and a session whose ping is unanswered for
    /// the other half is considered lost (counted in
    /// [`ConnectorStats::keepalive_timeouts`]), so a hung broker is noticed within one
    /// keep-alive of its last packet.
    pub keep_alive: Duration,
    /// QoS of links whose URL does not say (0, 1; 2 is treated as 1).
    pub default_qos: u8,
    /// First reconnect delay.
    pub backoff_min: Duration,
    /// Largest reconnect delay.
    pub backoff_max: Duration,
    /// How long a connect (CONNECT to CONNACK) may take.
    pub connect_timeout: Duration,
    /// Where this node publishes its liveness (`NODE::LIVENESS`, `aimdb/nodes/NODE/online`):
    /// `online`, retained, at the start of every session; `offline` as the session's last
    /// will, which the broker publishes when the node vanishes. `None`: no liveness.
    pub liveness: Option<&'static str>,
    /// How long the broker keeps this node's session after a disconnect (default one
    /// hour), for a node that observes a link at QoS 1: its subscriptions, and the QoS 1
    /// values published for it meanwhile, wait for it (MQTT 5 session expiry, no clean
    /// start), so a broker restart or a dropped connection loses nothing the broker took.
    /// A node that only publishes, or `Duration::from_secs(0)`, starts a clean session
    /// every time.
    pub session_expiry: Duration,
}

impl MqttConfig {
    /// Defaults: anonymous, keep-alive 5 s, QoS 1, backoff 100 ms doubling to 5 s, connect
    /// timeout 5 s, sessions kept for an hour (by nodes that observe at QoS 1).
    pub const fn new(client_id: &'static str) -> Self {
        MqttConfig {
            client_id,
            credentials: None,
            keep_alive: Duration::from_secs(5),
            default_qos: 1,
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            liveness: None,
            session_expiry: Duration::from_secs(3600),
        }
    }
}

/// An MQTT connector for embassy nodes; see the [module docs](self).
///
/// `M` guards queue and link table (`CriticalSectionRawMutex` on an MCU), `QUEUE` is the
/// outbound queue length, `MAX_PAYLOAD` the largest payload in either direction, `LINKS`
/// the number of topics.
pub struct MqttConnector<
    M: RawMutex,
    const QUEUE: usize,
    const MAX_PAYLOAD: usize,
    const LINKS: usize = 8,
> {
    config: MqttConfig,
    queue: Outbox<M, QUEUE, MAX_PAYLOAD>,
    table: Mutex<M, RefCell<LinkTable<LINKS>>>,
    links: [LinkCounters; LINKS],
    counters: ConnectorCounters,
    /// Whether a session is up now (for [`ConnectorStats::connected`]).
    connected: AtomicBool,
    /// The login of the next CONNECT.
    login: Mutex<M, Cell<Option<Credentials>>>,
}

impl<M: RawMutex, const QUEUE: usize, const MAX_PAYLOAD: usize, const LINKS: usize>
    MqttConnector<M, QUEUE, MAX_PAYLOAD, LINKS>
{
    /// A connector with an empty queue and no links, ready to live in a `static`.
    pub const fn new(config: MqttConfig) -> Self {
        MqttConnector {
            config,
            queue: Outbox::new(),
            table: Mutex::new(RefCell::new(LinkTable::new())),
            links: [const { LinkCounters::new() }; LINKS],
            counters: ConnectorCounters::new(),
            connected: AtomicBool::new(false),
            login: Mutex::new(Cell::new(config.credentials)),
        }
    }

    /// Log in with `credentials` (`None`: anonymously) from the next CONNECT on, instead
    /// of [`MqttConfig::credentials`]. For a login known only at run time: firmware calls
    /// it at boot, before spawning [`run`](Self::run).
    pub fn set_credentials(&self, credentials: Option<Credentials>) {
        self.login.lock(|login| login.set(credentials));
    }

    /// The user name the next CONNECT logs in with, if any.
    pub fn username(&self) -> Option<&'static str> {
        self.login.lock(|login| login.get()).map(|c| c.username)
    }

    /// A snapshot of the connector-wide counters.
    pub fn stats(&self) -> ConnectorStats {
        self.counters.snapshot(
            self.queue.len() as u32,
            self.connected.load(Ordering::Relaxed),
        )
    }

    /// A snapshot of the counters of the link on `address` (topic, with or without its
    /// `?query`), or `None` if no link uses that topic.
    pub fn link_stats(&self, address: &str) -> Option<LinkStats> {
        let slot = self.table.lock(|t| t.borrow().slot(address))?;
        Some(self.links[slot].snapshot())
    }

    fn qos(&self) -> u8 {
        self.config.default_qos.min(1)
    }

    /// The slot of the outbound link at `address`, claimed on first use, and its overflow
    /// policy; `None` (counted as an invalid link) for a bad address or a full table.
    fn outbound_slot(&self, address: &str) -> Option<(usize, Overflow)> {
        let slot: Result<_, LinkError> = self.table.lock(|t| {
            let mut t = t.borrow_mut();
            let slot = t.outbound(address, self.qos())?;
            Ok((slot, t.slots[slot].overflow))
        });
        if slot.is_err() {
            bump(&self.counters.invalid_links);
        }
        slot.ok()
    }
}

impl<M, const QUEUE: usize, const MAX_PAYLOAD: usize, const LINKS: usize> Connector
    for MqttConnector<M, QUEUE, MAX_PAYLOAD, LINKS>
where
    M: RawMutex + Sync,
{
    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.queue.poll_ready(cx)
    }

    fn publish(&self, address: &str, payload: &[u8]) -> Result<(), PublishError> {
        let (slot, overflow) = self.outbound_slot(address).ok_or(PublishError::NoRoute)?;
        let pushed = self.queue.push(Some(slot), overflow, payload.len(), |out| {
            out.copy_from_slice(payload)
        });
        count_push(pushed, &self.links[slot]);
        pushed.map(|_| ())
    }

    fn attach(&self, routes: &'static [InboundRoute]) {
        for route in routes {
            let attached = self.table.lock(|t| {
                t.borrow_mut()
                    .attach(route.address, route.deliver, self.qos())
            });
            // A bad address is a start-up configuration error; without a console to
            // report it on, the route is skipped and counted.
            if attached.is_err() {
                bump(&self.counters.invalid_links);
            }
        }
        // Subscriptions are (re)made at the start of every session, so routes attached
        // while a session is up are subscribed from the next one on.
    }

    fn attach_family(&self, routes: &'static [FamilyRoute]) {
        for route in routes {
            let attached = self
                .table
                .lock(|t| t.borrow_mut().attach_family(route, self.qos()));
            if attached.is_err() {
                bump(&self.counters.invalid_links);
            }
        }
    }

    fn register_outbound(&self, address: &'static str, kind: BufferKind) {
        let registered = self
            .table
            .lock(|t| t.borrow_mut().register_outbound(address, self.qos(), kind));
        if registered.is_err() {
            bump(&self.counters.invalid_links);
        }
    }

    fn skipped(&self, address: &str, skipped: Skipped) {
        let Some((slot, _)) = self.outbound_slot(address) else {
            return;
        };
        let link = &self.links[slot];
        count_skipped(skipped, &link.lagged, &link.encode_errors, &link.oversize);
    }
}

impl<M: RawMutex, const QUEUE: usize, const MAX_PAYLOAD: usize, const LINKS: usize> core::fmt::Debug
    for MqttConnector<M, QUEUE, MAX_PAYLOAD, LINKS>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MqttConnector")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}
