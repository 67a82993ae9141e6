//! The host MQTT connector: rumqttc on tokio (feature `mqtt-tokio`; TLS with `mqtt-tls`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), aimdb_connectors::mqtt::ConfigError> {
//! use aimdb_connectors::mqtt::{MqttConfig, MqttConnector};
//!
//! let config = MqttConfig::new("127.0.0.1", 1883, "climate-host");
//! let mqtt: &'static MqttConnector = MqttConnector::start(config)?;
//! // Generated node code then calls `attach`, `poll_ready` and `publish` on it.
//! # Ok(()) }
//! ```
//!
//! What it guarantees:
//! - **Per-link options** come from the link URL (`mqtt://topic?qos=1&retain=true`, see
//!   [`LinkOptions`]), parsed once per link. Links registered with
//!   [`register_outbound`](Connector::register_outbound) as `SingleLatest` are retained
//!   unless the URL says otherwise.
//! - **Reconnects** with exponential backoff and jitter ([`Backoff`]), and **re-subscribes
//!   every inbound link after every reconnect**; QoS 1 publishes left unacknowledged by a
//!   broken connection are sent again. A **hung broker** (TCP open, nothing answered) is
//!   noticed within 2 keep-alives ([`MqttConfig::keep_alive`], default 5 s): a watchdog
//!   drops a connection that brought no packet for 1.5 keep-alives. A packet above
//!   [`MqttConfig::max_packet`] (which rumqttc cannot skip) is counted
//!   ([`ConnectorStats::oversize_packets`]) and a connection that dies within
//!   [`STABLE_CONNECTION`] of its ConnAck does not reset the backoff.
//! - A **bounded outbound queue** ([`MqttConfig::outbound_capacity`]): `publish` never
//!   blocks, and overflow follows the record's buffer as registered: a `SingleLatest` or
//!   `Mailbox` link keeps only its newest queued value, a full queue drops an `SpmcRing`
//!   link's own oldest value; links never registered use the connector-wide
//!   [`OverflowPolicy`]. Every drop is counted. `poll_ready` lets a link task wait for room
//!   instead.
//! - **O(1) inbound routing** (a `HashMap` by topic built at attach time), with no
//!   allocation in this crate per value; malformed and oversize payloads are counted and
//!   skipped, and a panicking deserializer cannot stop the connection.
//! - **Counters** per link ([`LinkStats`]) and per connector ([`ConnectorStats`]).
//! - **Credentials** ([`MqttConfig::credentials`]) come at start-up, never from a topology
//!   file: [`MqttConfig::with_credentials_from_env`] reads `AIMDB_MQTT_USERNAME` (default:
//!   the node's name) and `AIMDB_MQTT_PASSWORD`, for a broker that enforces the topology's
//!   ACL (`aimdb acl`).

mod config;
mod counters;
mod credentials;
mod event_loop;
mod family;
mod liveness;
mod outbound;
mod routing;
mod shutdown;
mod topic;

use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll};
use std::boxed::Box;
use std::string::{String, ToString};
use std::sync::{Mutex, OnceLock};
use std::vec::Vec;

use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{Connector, FamilyRoute, InboundRoute, PublishError, Skipped};
use tokio::task::JoinHandle;

pub use config::{
    Backoff, ConfigError, LinkError, LinkOptions, MqttConfig, OverflowPolicy, QoS, Transport,
};
pub use counters::{ConnectorStats, LinkStats};
pub use credentials::{PASSWORD_VAR, USERNAME_VAR, credentials_from, credentials_from_env};
pub use event_loop::STABLE_CONNECTION;
pub use shutdown::Disconnected;
pub use topic::topic_matches;

use crate::counters::count_skipped;
use counters::{ConnectorCounters, bump};
use outbound::OutboundQueue;
use routing::{OutboundLink, Routes};

/// State the connection task shares with the connector's callers.
pub(crate) struct Shared {
    routes: Routes,
    counters: ConnectorCounters,
    connected: AtomicBool,
    max_payload: usize,
    last_error: Mutex<Option<String>>,
    /// Set by [`MqttConnector::disconnect`]: the connection task ends instead of
    /// reconnecting, and the next DISCONNECT it sends is the last packet.
    closing: AtomicBool,
    /// QoS 1/2 publishes handed to rumqttc, to compare with `publish_acks` when closing.
    acknowledged_wanted: core::sync::atomic::AtomicU64,
    /// This node's liveness topic, if it publishes one.
    liveness: Option<String>,
    /// The nodes this node follows: liveness topic, and what was last heard there.
    observed: Mutex<Vec<(String, Option<bool>)>>,
    /// `host:port`, the `address` field of this connector's events.
    broker: String,
}

impl Shared {
    fn set_last_error(&self, error: &dyn core::fmt::Display) {
        let text = error.to_string();
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(text);
    }
}

/// An MQTT connector for tokio nodes. Create it with [`MqttConnector::start`].
pub struct MqttConnector {
    shared: Shared,
    queue: OutboundQueue,
    client: rumqttc::AsyncClient,
    default_qos: QoS,
    tasks: OnceLock<[JoinHandle<()>; 2]>,
}

impl MqttConnector {
    /// Validate `config`, create the connector (leaked once: it lives as long as the
    /// process, like the records it links) and spawn its connection and publishing tasks on
    /// the current tokio runtime. Connecting happens in the background; links can be
    /// attached and values published at once.
    pub fn start(config: MqttConfig) -> Result<&'static MqttConnector, ConfigError> {
        config.validate()?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            ConfigError("MqttConnector::start must be called inside a tokio runtime")
        })?;
        let (client, mut events) =
            rumqttc::AsyncClient::new(config.client_options(), config.client_channel);
        events.set_network_options(config.network_options());
        let connector: &'static MqttConnector = Box::leak(Box::new(MqttConnector {
            shared: Shared {
                routes: Routes::default(),
                counters: ConnectorCounters::default(),
                connected: AtomicBool::new(false),
                max_payload: config.max_payload,
                last_error: Mutex::new(None),
                closing: AtomicBool::new(false),
                acknowledged_wanted: core::sync::atomic::AtomicU64::new(0),
                liveness: config.liveness.clone(),
                broker: std::format!("{}:{}", config.host, config.port),
                observed: Mutex::new(
                    config
                        .observed_liveness
                        .iter()
                        .map(|topic| (topic.clone(), None))
                        .collect(),
                ),
            },
            queue: OutboundQueue::new(
                config.outbound_capacity,
                config.max_payload.min(256),
                config.overflow,
            ),
            client: client.clone(),
            default_qos: config.default_qos,
            tasks: OnceLock::new(),
        }));
        let retry = event_loop::Retry::new(config.backoff, jitter_seed(&config.client_id));
        let silence = config.silence_limit();
        let connection = runtime.spawn(event_loop::run(&connector.shared, events, retry, silence));
        let pump = runtime.spawn(outbound::pump(&connector.queue, client, &connector.shared));
        let _ = connector.tasks.set([connection, pump]);
        Ok(connector)
    }

    /// A snapshot of the counters of the link at `address` (topic, with or without its
    /// `?query`), or `None` if no link uses that topic.
    pub fn link_stats(&self, address: &str) -> Option<LinkStats> {
        let topic = LinkOptions::parse(address).ok()?.topic;
        Some(self.shared.routes.link(topic)?.counters.snapshot())
    }

    /// A snapshot of the connector-wide counters.
    pub fn stats(&self) -> ConnectorStats {
        self.shared.counters.snapshot(
            self.queue.len() as u64,
            self.shared.connected.load(Ordering::SeqCst),
        )
    }

    /// Whether the connection and publishing tasks are still running (they only end if
    /// the runtime shuts down or a task panicked).
    pub fn is_running(&self) -> bool {
        self.tasks
            .get()
            .is_some_and(|tasks| tasks.iter().all(|task| !task.is_finished()))
    }

    /// The last connection error, as text.
    pub fn last_error(&self) -> Option<String> {
        self.shared
            .last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Route `payload` as if it had arrived from the broker on `topic` (counters included).
    /// For tests and benchmarks of the inbound path without a network.
    pub fn dispatch_inbound(&self, topic: &str, payload: &[u8]) {
        let shared = &self.shared;
        shared
            .routes
            .dispatch(topic, payload, shared.max_payload, &shared.counters);
    }

    fn outbound_link(
        &self,
        address: &str,
        kind: Option<BufferKind>,
    ) -> Option<&'static OutboundLink> {
        match self.shared.routes.outbound(address, kind, self.default_qos) {
            Ok(link) => Some(link),
            Err(error) => {
                bump(&self.shared.counters.invalid_links);
                self.shared
                    .set_last_error(&format_args!("MQTT link `{address}` rejected: {error}"));
                None
            }
        }
    }
}

impl core::fmt::Debug for MqttConnector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MqttConnector")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Connector for MqttConnector {
    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.queue.poll_ready(cx)
    }

    fn publish(&self, address: &str, payload: &[u8]) -> Result<(), PublishError> {
        let link = self
            .outbound_link(address, None)
            .ok_or(PublishError::NoRoute)?;
        if payload.len() > self.shared.max_payload {
            bump(&link.link.counters.oversize);
            return Err(PublishError::Oversize);
        }
        self.queue.push(link, payload)
    }

    fn attach(&self, routes: &'static [InboundRoute]) {
        let mut rejected = Vec::new();
        let added = self
            .shared
            .routes
            .attach(routes, self.default_qos, &mut rejected);
        self.attached(added, rejected);
    }

    fn attach_family(&self, routes: &'static [FamilyRoute]) {
        let mut rejected = Vec::new();
        let added = self
            .shared
            .routes
            .attach_family(routes, self.default_qos, &mut rejected);
        self.attached(added, rejected);
    }

    fn register_outbound(&self, address: &'static str, kind: BufferKind) {
        let _ = self.outbound_link(address, Some(kind));
    }

    fn skipped(&self, address: &str, skipped: Skipped) {
        let Some(link) = self.outbound_link(address, None) else {
            return;
        };
        let counters = &link.link.counters;
        count_skipped(
            skipped,
            &counters.lagged,
            &counters.encode_errors,
            &counters.oversize,
        );
    }
}

impl MqttConnector {
    /// After routes were attached: report the rejected ones, subscribe the new ones.
    fn attached(
        &self,
        added: Vec<rumqttc::SubscribeFilter>,
        rejected: Vec<(&'static str, config::LinkError)>,
    ) {
        for (address, error) in rejected {
            // A bad link address is a start-up configuration error the topology compiler
            // should have caught; the route is skipped, counted and reported.
            bump(&self.shared.counters.invalid_links);
            self.shared
                .set_last_error(&format_args!("MQTT link `{address}` rejected: {error}"));
            // Through the `log` facade (silent without a logger), not stderr: a library
            // does not own the process's output.
            tracing::warn!(target: "aimdb::mqtt", address, %error, "inbound link skipped");
        }
        // Not connected yet: the next ConnAck subscribes everything. Connected: subscribe
        // now (from a task, since the request channel may be momentarily full).
        if !added.is_empty() && self.shared.connected.load(Ordering::SeqCst) {
            let client = self.client.clone();
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    let _ = client.subscribe_many(added).await;
                });
            } else {
                let _ = client.try_subscribe_many(added);
            }
        }
    }
}

/// A seed that differs between clients and between runs, so reconnect jitter does too.
fn jitter_seed(client_id: &str) -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(client_id)
}
