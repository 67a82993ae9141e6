//! `mqtt://TOPIC?qos=0|1|2&retain=true|false`.
//!
//! The identity is the topic. `qos` is per end: a subscription receives at the lower of the
//! publisher's and its own QoS, so a reader asking for more than the writer publishes with
//! is a conflict. `retain` matters only when publishing; a reader may leave it out.

use super::options::{self, boolean, once};
use super::{AddressError, AddressErrorKind, Conflict, Direction, Parsed};

/// The longest topic MQTT can carry (a two-byte length prefix).
pub const TOPIC_MAX: usize = 65_535;

/// The longest topic the embassy MQTT connector stores (its link table is fixed storage).
pub const EMBASSY_TOPIC_MAX: usize = 96;

/// Topics under this prefix belong to aimdb itself: each node publishes its own liveness at
/// `aimdb/nodes/NODE/online` ([`liveness_topic`]), so no link may write or read there.
pub const RESERVED_PREFIX: &str = "aimdb/nodes/";

/// Where node `NODE` publishes its liveness: [`ONLINE`], retained, on every connect, and
/// [`OFFLINE`] as its last will (the broker publishes it when the node vanishes) and before a
/// clean disconnect.
pub const LIVENESS_TOPIC: [&str; 2] = ["aimdb/nodes/", "/online"];

/// The liveness payload of a node that is up.
pub const ONLINE: &[u8] = b"online";

/// The liveness payload of a node that is gone (its last will, or its clean goodbye).
pub const OFFLINE: &[u8] = b"offline";

/// `aimdb/nodes/NODE/online` written into `out`; `None` if it does not fit.
pub fn liveness_topic<'o>(node: &str, out: &'o mut [u8]) -> Option<&'o str> {
    let [prefix, suffix] = LIVENESS_TOPIC;
    let len = prefix.len() + node.len() + suffix.len();
    let out = out.get_mut(..len)?;
    out[..prefix.len()].copy_from_slice(prefix.as_bytes());
    out[prefix.len()..prefix.len() + node.len()].copy_from_slice(node.as_bytes());
    out[prefix.len() + node.len()..].copy_from_slice(suffix.as_bytes());
    core::str::from_utf8(out).ok()
}

/// The node whose liveness `topic` carries (`aimdb/nodes/sensor/online` → `sensor`).
pub fn liveness_node(topic: &str) -> Option<&str> {
    let [prefix, suffix] = LIVENESS_TOPIC;
    let node = topic.strip_prefix(prefix)?.strip_suffix(suffix)?;
    (!node.is_empty() && !node.contains('/')).then_some(node)
}

/// One MQTT link address, parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MqttAddress<'a> {
    /// The topic, or (inbound) the topic filter: the address before `?`.
    pub topic: &'a str,
    /// `qos=0|1|2`, if given.
    pub qos: Option<u8>,
    /// `retain=true|false`, if given.
    pub retain: Option<bool>,
}

impl<'a> MqttAddress<'a> {
    /// Parse and check an address for a link in `direction`: a topic (no wildcards) for an
    /// outbound link, a topic or a well-formed filter for an inbound one.
    pub fn parse(address: &'a str, direction: Direction) -> Result<Self, AddressError<'a>> {
        let (topic, query) = options::split(address);
        if topic.is_empty() {
            return Err(AddressError::new(AddressErrorKind::Empty, topic));
        }
        if topic.contains('\0') {
            return Err(AddressError::new(AddressErrorKind::BadCharacter, topic));
        }
        if topic.len() > TOPIC_MAX {
            return Err(AddressError::new(AddressErrorKind::TooLong, topic));
        }
        if topic.starts_with(RESERVED_PREFIX) {
            return Err(AddressError::new(AddressErrorKind::Reserved, topic));
        }
        if topic.contains(['+', '#']) {
            if direction == Direction::Outbound {
                return Err(AddressError::new(AddressErrorKind::WildcardOutbound, topic));
            }
            check_filter(topic)?;
        }
        let mut parsed = MqttAddress {
            topic,
            qos: None,
            retain: None,
        };
        for (key, value) in options::query(query) {
            match key {
                "qos" => {
                    let qos = match value {
                        "0" => 0,
                        "1" => 1,
                        "2" => 2,
                        _ => {
                            return Err(AddressError::new(
                                AddressErrorKind::BadValue {
                                    option: "qos",
                                    expected: "0, 1 or 2",
                                },
                                value,
                            ));
                        }
                    };
                    once(&mut parsed.qos, key, qos)?;
                }
                "retain" => once(&mut parsed.retain, key, boolean("retain", value)?)?,
                _ => return Err(AddressError::new(AddressErrorKind::UnknownOption, key)),
            }
        }
        Ok(parsed)
    }

    /// Whether the topic is a filter with `+` or `#` wildcards (inbound only).
    pub fn is_filter(&self) -> bool {
        self.topic.contains(['+', '#'])
    }
}

/// `+` and `#` are whole levels, and `#` is the last level.
fn check_filter(filter: &str) -> Result<(), AddressError<'_>> {
    let mut levels = filter.split('/').peekable();
    while let Some(level) = levels.next() {
        let whole = level == "+" || (level == "#" && levels.peek().is_none());
        if level.contains(['+', '#']) && !whole {
            return Err(AddressError::new(AddressErrorKind::BadFilter, filter));
        }
    }
    Ok(())
}

/// The scheme table's grammar entry.
pub(crate) fn parse(address: &str, direction: Direction) -> Result<Parsed<'_>, AddressError<'_>> {
    MqttAddress::parse(address, direction).map(|a| Parsed { identity: a.topic })
}

/// The embassy connector keeps topics in fixed slots of [`EMBASSY_TOPIC_MAX`] bytes and
/// routes exact topics only (no filters), and record families' filters, which the compiler
/// checks here as one of their topics (`climate/_/reading` for `climate/+/reading`).
pub(crate) fn limits<'a>(
    address: &'a str,
    direction: Direction,
    runtime: &str,
) -> Result<(), AddressError<'a>> {
    // A browser node runs the same connector (over a WebSocket).
    if runtime != "embassy" && runtime != "wasm" {
        return Ok(());
    }
    let parsed = MqttAddress::parse(address, direction)?;
    if parsed.topic.len() > EMBASSY_TOPIC_MAX {
        return Err(AddressError::new(
            AddressErrorKind::NotOnRuntime {
                takes: "the embassy MQTT connector takes topics of at most 96 bytes",
            },
            parsed.topic,
        ));
    }
    if parsed.is_filter() {
        return Err(AddressError::new(
            AddressErrorKind::NotOnRuntime {
                takes: "the embassy MQTT connector subscribes to exact topics only (no `+`/`#` filters)",
            },
            parsed.topic,
        ));
    }
    Ok(())
}

/// A reader asking for a higher QoS than the writer publishes with.
pub(crate) fn conflict(writer: &str, reader: &str) -> Option<Conflict> {
    let writer = MqttAddress::parse(writer, Direction::Outbound).ok()?;
    let reader = MqttAddress::parse(reader, Direction::Inbound).ok()?;
    match (writer.qos, reader.qos) {
        (Some(w), Some(r)) if r > w => Some(Conflict {
            option: "qos",
            reason: "a subscriber receives at the lower of the publisher's and its own QoS, so the reader would not get the delivery it asks for",
        }),
        _ => None,
    }
}
