//! Connector configuration ([`MqttConfig`]) and per-link options ([`LinkOptions`]).
//!
//! Everything about the broker connection lives in one [`MqttConfig`]. What differs per link
//! (QoS, retain) is written in the link's URL query and parsed once, when the link is
//! registered or attached, never per message:
//!
//! ```text
//! mqtt://climate/zone-a/reading                  QoS from MqttConfig::default_qos; retained
//!                                                if the record is SingleLatest
//! mqtt://climate/zone-a/reading?qos=0            at most once
//! mqtt://climate/zone-a/reading?qos=1&retain=false
//! ```
//!
//! The connector sees the URL without its scheme (`climate/zone-a/reading?qos=1`). Both ends
//! of a link may use the same URL: `retain` only matters when publishing, and a subscription
//! uses the link's `qos`.

use std::borrow::ToOwned;
use std::fmt;
use std::string::String;
use std::time::Duration;
use std::vec::Vec;

pub use rumqttc::{QoS, Transport};

/// What the outbound queue does when a value arrives and the queue is full, for links never
/// registered with `register_outbound` (registered links follow their record's buffer
/// kind first, see [`MqttConnector`](super::MqttConnector)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverflowPolicy {
    /// Evict the oldest queued value (counted as dropped on its link) and queue the new one,
    /// as a ring buffer does: fresh data wins. `publish` returns `Ok`.
    DropOldest,
    /// Refuse the new value (counted as dropped) and return [`PublishError::Full`].
    ///
    /// [`PublishError::Full`]: aimdb_core::connector::PublishError::Full
    DropNewest,
}

/// Reconnect timing: exponential backoff from `initial` to `max`, each delay drawn uniformly
/// from its upper half (`[d/2, d]`) so a fleet of clients does not reconnect in lockstep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The delay before the first retry.
    pub initial: Duration,
    /// The cap on the delay, however many attempts failed.
    pub max: Duration,
}

/// Broker address and client options for one [`MqttConnector`](super::MqttConnector).
#[derive(Clone)]
pub struct MqttConfig {
    /// Broker host name or IP address.
    pub host: String,
    /// Broker TCP port.
    pub port: u16,
    /// The MQTT client id; must be unique among the broker's clients.
    pub client_id: String,
    /// How the connection is carried: TCP by default; TLS with the `mqtt-tls` feature.
    pub transport: Transport,
    /// MQTT keep-alive interval (default 5 s; at least 1 s). rumqttc pings every
    /// keep-alive; the connector's watchdog treats a connection that brought no packet
    /// (no PINGRESP, nothing) for 1.5 keep-alives as lost, so a hung broker whose TCP
    /// connection stays open is noticed within 2 keep-alives (counted in
    /// `keepalive_timeouts` and `connection_errors`).
    pub keep_alive: Duration,
    /// How long a connect (TCP, TLS and CONNECT to CONNACK) may take; at least 1 s
    /// (rumqttc counts whole seconds). Default 5 s.
    pub connect_timeout: Duration,
    /// Start every connection with a clean session. Default `false`: the node keeps its
    /// session (MQTT 3.1.1 `clean_session = 0`, under its client id, which
    /// `use_username_as_clientid` makes its node name), so the broker keeps its
    /// subscriptions and queues the QoS 1 values published for it while it is away: a
    /// broker restart, or a node that reconnects after the writer did, loses nothing the
    /// broker took. A broker with persistence (`scripts/broker.sh`) keeps the sessions
    /// across its own restarts too. A node whose inbound records are all `SingleLatest` may
    /// set it `true` and rely on the retained value instead (docs/reliability.md).
    pub clean_session: bool,
    /// User name and password, if the broker wants them.
    pub credentials: Option<(String, String)>,
    /// QoS of links whose URL does not say.
    pub default_qos: QoS,
    /// Values the outbound queue holds before [`overflow`](MqttConfig::overflow) applies.
    pub outbound_capacity: usize,
    /// What a full outbound queue does with the next value.
    pub overflow: OverflowPolicy,
    /// Largest payload, in bytes, published or delivered; larger ones are counted as
    /// oversize and skipped.
    pub max_payload: usize,
    /// Largest MQTT packet rumqttc reads (default 16 MiB). A publish up to this size is
    /// read whole and, if its payload is above `max_payload`, counted as its link's
    /// `oversize` and skipped without disturbing the connection. rumqttc cannot skip a
    /// packet above this limit: it closes the connection. The connector then counts the
    /// cause (`oversize_packets`) and does not reset its reconnect backoff for a connection
    /// that died within [`STABLE_CONNECTION`](super::STABLE_CONNECTION) of its ConnAck, so a
    /// retained giant on a subscribed topic cannot make it reconnect in a tight loop. The
    /// real defence is the broker's `message_size_limit` (see `scripts/broker.sh`). The
    /// memory cost: a packet up to this size is buffered while it is read.
    pub max_packet: usize,
    /// QoS 1/2 publishes in flight before rumqttc waits for acknowledgements.
    pub inflight: u16,
    /// Capacity of rumqttc's own request channel, between the connector and rumqttc's
    /// event loop. Small is right: the connector's queue is the one that absorbs bursts.
    pub client_channel: usize,
    /// Reconnect timing.
    pub backoff: Backoff,
    /// Where this node publishes its liveness (`NODE::LIVENESS`, `aimdb/nodes/NODE/online`):
    /// `online`, retained, after every connect; `offline` as the session's last will (the
    /// broker publishes it when the node vanishes: a crash, a cut cable, a keep-alive
    /// missed by half again) and before [`disconnect`](super::MqttConnector::disconnect).
    /// `None`: no liveness.
    pub liveness: Option<String>,
    /// The liveness topics of the nodes this node follows (`NODE::OBSERVED_LIVENESS`): each
    /// is subscribed, and [`node_online`](super::MqttConnector::node_online) answers
    /// whether that node is up.
    pub observed_liveness: Vec<String>,
}

impl MqttConfig {
    /// Defaults for a broker at `host:port` with client id `client_id`.
    pub fn new(host: impl Into<String>, port: u16, client_id: impl Into<String>) -> Self {
        MqttConfig {
            host: host.into(),
            port,
            client_id: client_id.into(),
            transport: Transport::Tcp,
            keep_alive: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            clean_session: false,
            credentials: None,
            default_qos: QoS::AtLeastOnce,
            outbound_capacity: 1024,
            overflow: OverflowPolicy::DropOldest,
            max_payload: 4096,
            max_packet: 16 * 1024 * 1024,
            inflight: 100,
            client_channel: 64,
            backoff: Backoff {
                initial: Duration::from_millis(50),
                max: Duration::from_secs(5),
            },
            liveness: None,
            observed_liveness: Vec::new(),
        }
    }

    /// Publish this node's liveness at `own` and follow the nodes at `observed` (the
    /// generated `NODE::LIVENESS` and `NODE::OBSERVED_LIVENESS`).
    pub fn with_liveness(mut self, own: &str, observed: &[&str]) -> Self {
        self.liveness = Some(own.to_owned());
        self.observed_liveness = observed.iter().map(|t| (*t).to_owned()).collect();
        self
    }

    /// Check the numbers that must be positive or ordered.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let problem = if self.host.is_empty() {
            "host is empty"
        } else if self.client_id.is_empty() {
            "client_id is empty"
        } else if self.outbound_capacity == 0 {
            "outbound_capacity must be at least 1"
        } else if self.client_channel == 0 {
            "client_channel must be at least 1"
        } else if self.max_payload == 0 {
            "max_payload must be at least 1"
        } else if self.max_packet <= self.max_payload {
            "max_packet must be larger than max_payload"
        } else if self.keep_alive < Duration::from_secs(1) {
            "keep_alive must be at least 1 s"
        } else if self.connect_timeout < Duration::from_secs(1) {
            "connect_timeout must be at least 1 s"
        } else if self.inflight == 0 {
            "inflight must be at least 1"
        } else if self.backoff.initial.is_zero() || self.backoff.max < self.backoff.initial {
            "backoff needs 0 < initial <= max"
        } else {
            return Ok(());
        };
        Err(ConfigError(problem))
    }

    /// The rumqttc options this configuration stands for.
    pub(crate) fn client_options(&self) -> rumqttc::MqttOptions {
        let mut options =
            rumqttc::MqttOptions::new(self.client_id.clone(), self.host.clone(), self.port);
        options
            .set_transport(self.transport.clone())
            .set_keep_alive(self.keep_alive)
            .set_clean_session(self.clean_session)
            .set_inflight(self.inflight)
            .set_max_packet_size(self.max_packet, self.max_packet);
        if let Some((user, password)) = &self.credentials {
            options.set_credentials(user.clone(), password.clone());
        }
        if let Some(topic) = &self.liveness {
            use aimdb_core::address::mqtt::OFFLINE;
            options.set_last_will(rumqttc::LastWill::new(
                topic.clone(),
                OFFLINE,
                QoS::AtLeastOnce,
                true,
            ));
        }
        options
    }

    /// The rumqttc network options: the connect timeout, in whole seconds.
    pub(crate) fn network_options(&self) -> rumqttc::NetworkOptions {
        let mut network = rumqttc::NetworkOptions::new();
        network.set_connection_timeout(self.connect_timeout.as_secs().max(1));
        network
    }

    /// How long the connection may bring no packet at all before the watchdog treats it
    /// as lost: 1.5 keep-alives (rumqttc pings every keep-alive, so a live broker answers
    /// at least that often).
    pub(crate) fn silence_limit(&self) -> Duration {
        self.keep_alive + self.keep_alive / 2
    }
}

impl fmt::Debug for MqttConfig {
    // By hand: rumqttc's `Transport` has no `Debug`, and the password must not be printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MqttConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("client_id", &self.client_id)
            .field("keep_alive", &self.keep_alive)
            .field("connect_timeout", &self.connect_timeout)
            .field("clean_session", &self.clean_session)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|(user, _)| user),
            )
            .field("default_qos", &self.default_qos)
            .field("outbound_capacity", &self.outbound_capacity)
            .field("overflow", &self.overflow)
            .field("max_payload", &self.max_payload)
            .field("max_packet", &self.max_packet)
            .field("inflight", &self.inflight)
            .field("client_channel", &self.client_channel)
            .field("backoff", &self.backoff)
            .field("liveness", &self.liveness)
            .field("observed_liveness", &self.observed_liveness)
            .finish_non_exhaustive()
    }
}

/// A configuration value out of range (see [`MqttConfig::validate`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigError(pub &'static str);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid MQTT configuration: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

/// One link's options, parsed from its address (`topic?qos=1&retain=true`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkOptions<'a> {
    /// The MQTT topic (or, inbound, topic filter): the address before `?`.
    pub topic: &'a str,
    /// `qos=0|1|2`, if given.
    pub qos: Option<QoS>,
    /// `retain=true|false`, if given.
    pub retain: Option<bool>,
}

impl<'a> LinkOptions<'a> {
    /// Parse a link address with the scheme's one grammar
    /// ([`aimdb_core::address::mqtt`], the same code the compiler checks URLs with). The
    /// topic may be a filter here; an outbound link refuses one (see [`is_filter`](Self::is_filter)).
    pub fn parse(address: &'a str) -> Result<Self, LinkError> {
        use aimdb_core::address::{AddressErrorKind as Kind, Direction, mqtt::MqttAddress};
        let parsed = MqttAddress::parse(address, Direction::Inbound).map_err(|e| match e.kind {
            Kind::Empty => LinkError::EmptyTopic,
            Kind::BadValue { option: "qos", .. } => LinkError::BadQos,
            Kind::BadValue { .. } => LinkError::BadRetain,
            Kind::UnknownOption | Kind::NoOptions => LinkError::UnknownOption,
            Kind::RepeatedOption => LinkError::Repeated,
            _ => LinkError::BadTopic,
        })?;
        Ok(LinkOptions {
            topic: parsed.topic,
            qos: parsed.qos.map(|q| match q {
                0 => QoS::AtMostOnce,
                1 => QoS::AtLeastOnce,
                _ => QoS::ExactlyOnce,
            }),
            retain: parsed.retain,
        })
    }

    /// Whether the topic is a filter with `+` or `#` wildcards (inbound only).
    pub fn is_filter(&self) -> bool {
        self.topic.contains(['+', '#'])
    }
}

/// Why a link address was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkError {
    /// Nothing before `?`.
    EmptyTopic,
    /// The topic holds a NUL character, or is not a valid topic (filter) for its direction:
    /// an outbound topic may not hold `+` or `#`.
    BadTopic,
    /// `qos` is not 0, 1 or 2.
    BadQos,
    /// `retain` is not `true` or `false`.
    BadRetain,
    /// A query key other than `qos` and `retain`.
    UnknownOption,
    /// A query key given twice.
    Repeated,
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LinkError::EmptyTopic => "the MQTT link has an empty topic",
            LinkError::BadTopic => {
                "the MQTT topic is not valid here (no NUL; no `+`/`#` wildcards when publishing)"
            }
            LinkError::BadQos => "`qos` must be 0, 1 or 2",
            LinkError::BadRetain => "`retain` must be `true` or `false`",
            LinkError::UnknownOption => "unknown MQTT link option (expected `qos` or `retain`)",
            LinkError::Repeated => "an MQTT link option is given twice",
        })
    }
}

impl std::error::Error for LinkError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_topic_and_options() {
        let link = LinkOptions::parse("climate/zone-a/reading?qos=0&retain=true").unwrap();
        assert_eq!(link.topic, "climate/zone-a/reading");
        assert_eq!(link.qos, Some(QoS::AtMostOnce));
        assert_eq!(link.retain, Some(true));
        let bare = LinkOptions::parse("a/b").unwrap();
        assert_eq!((bare.topic, bare.qos, bare.retain), ("a/b", None, None));
    }

    #[test]
    fn rejects_bad_options() {
        assert_eq!(LinkOptions::parse("?qos=1"), Err(LinkError::EmptyTopic));
        assert_eq!(LinkOptions::parse("a?qos=3"), Err(LinkError::BadQos));
        assert_eq!(
            LinkOptions::parse("a?retain=yes"),
            Err(LinkError::BadRetain)
        );
        assert_eq!(
            LinkOptions::parse("a?speed=9"),
            Err(LinkError::UnknownOption)
        );
        assert_eq!(
            LinkOptions::parse("a?qos=1&qos=0"),
            Err(LinkError::Repeated)
        );
    }

    #[test]
    fn validates_config() {
        let mut config = MqttConfig::new("127.0.0.1", 1883, "node");
        assert_eq!(config.validate(), Ok(()));
        assert!(config.keep_alive <= Duration::from_secs(5));
        assert_eq!(config.silence_limit(), config.keep_alive * 3 / 2);
        config.keep_alive = Duration::from_millis(500);
        assert!(config.validate().unwrap_err().0.contains("keep_alive"));
        config.keep_alive = Duration::from_secs(2);
        config.outbound_capacity = 0;
        assert!(
            config
                .validate()
                .unwrap_err()
                .0
                .contains("outbound_capacity")
        );
    }
}
