//! The connector interface: how a link crosses a machine boundary without a heap.
//!
//! A connector handles one or more URL schemes (`mqtt`, `serial`, `loopback`, ...).
//! Outbound, a node's link task serializes a value into a fixed buffer and hands the bytes to
//! [`Connector::publish`] once [`Connector::poll_ready`] says there is room. Inbound, the
//! node gives the connector a static table of [`InboundRoute`]s; each route deserializes the
//! bytes and produces into the record's buffer.

use core::fmt;
use core::task::{Context, Poll};

/// Why a value could not be encoded or decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecError {
    /// The payload does not decode into the record type.
    Malformed,
    /// The encoded value does not fit the link's payload buffer (or the payload is too large).
    Oversize,
    /// The payload carries the fingerprint of another version of the record type than the
    /// reader was built with, and not one the record accepts (see [`crate::contract`]).
    SchemaMismatch,
}

impl core::error::Error for CodecError {}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::Malformed => f.write_str("malformed payload"),
            CodecError::Oversize => f.write_str("payload larger than the link's buffer"),
            CodecError::SchemaMismatch => {
                f.write_str("payload written with another version of the record type")
            }
        }
    }
}

/// A serializer, as `.with_serializer_raw(f)` takes it: write `value` into `out` and return
/// how many bytes were written.
pub type Serializer<T> = fn(&T, &mut [u8]) -> Result<usize, CodecError>;

/// A deserializer, as `.with_deserializer_raw(f)` takes it.
pub type Deserializer<T> = fn(&[u8]) -> Result<T, CodecError>;

/// Why a publish did not go out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishError {
    /// The connector's outbound queue is full; the value was dropped and counted.
    Full,
    /// The connector has no route to `address`.
    NoRoute,
    /// The payload is larger than the connector accepts; it was dropped and counted.
    Oversize,
}

impl core::fmt::Display for PublishError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            PublishError::Full => "the connector's outbound queue is full",
            PublishError::NoRoute => "the connector has no route to this address",
            PublishError::Oversize => "payload larger than the connector accepts",
        })
    }
}

impl core::error::Error for PublishError {}

/// Values an outbound link's task skipped before they reached [`Connector::publish`],
/// reported through [`Connector::skipped`] so the connector can count them with the
/// link's other figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skipped {
    /// The link's reader fell this many values behind its `SpmcRing` record (the
    /// connector could not take values as fast as they were produced) and lost them.
    Lagged(u64),
    /// The link's serializer failed on one value: [`CodecError::Oversize`] when it did not
    /// fit the link's payload buffer.
    Encode(CodecError),
}

/// One inbound link of a node: payloads arriving at `address` are decoded by `deliver`,
/// which produces into the record's buffer.
#[derive(Clone, Copy)]
pub struct InboundRoute {
    /// The link address without its scheme (`climate/zone-a/reading`).
    pub address: &'static str,
    /// Decode and produce.
    pub deliver: fn(&[u8]) -> Result<(), CodecError>,
}

impl fmt::Debug for InboundRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InboundRoute")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// A record family's inbound link at an observer (`link_from` of
/// `mqtt://climate/{instance}/reading` on a node without instances): one wildcard filter for
/// every instance, one buffer per instance. The connector finds the arriving topic's
/// instance at `level` and looks it up in `instances` (sorted by name: a binary search, no
/// heap, no scan over the instances); a name outside the declared set is refused and counted.
#[derive(Clone, Copy)]
pub struct FamilyRoute {
    /// The filter, with the instance's level as `+` (`climate/+/reading`), options allowed.
    pub filter: &'static str,
    /// Which level of the topic carries the instance (0-based).
    pub level: usize,
    /// The declared instances sorted by name, each with its index (its buffer).
    pub instances: &'static [(&'static str, usize)],
    /// Decode and produce into instance `index`'s buffer.
    pub deliver: fn(usize, &[u8]) -> Result<(), CodecError>,
}

impl FamilyRoute {
    /// The index of the instance named `name`, if declared: O(log n).
    pub fn instance(&self, name: &str) -> Option<usize> {
        self.instances
            .binary_search_by(|(declared, _)| (*declared).cmp(name))
            .ok()
            .map(|at| self.instances[at].1)
    }

    /// The instance level of `topic` if the topic has the filter's shape (every other level
    /// matches the filter's), else `None`. The filter is its topic part (no `?options`).
    pub fn instance_level<'t>(filter: &str, level: usize, topic: &'t str) -> Option<&'t str> {
        let mut found = None;
        let mut levels = topic.split('/');
        for (at, want) in filter.split('/').enumerate() {
            if want == "#" {
                return found;
            }
            let got = levels.next()?;
            if at == level {
                found = Some(got);
            } else if want != "+" && want != got {
                return None;
            }
        }
        if levels.next().is_some() { None } else { found }
    }
}

impl fmt::Debug for FamilyRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FamilyRoute")
            .field("filter", &self.filter)
            .field("level", &self.level)
            .field("instances", &self.instances.len())
            .finish_non_exhaustive()
    }
}

/// A transport that links records across nodes.
pub trait Connector: Sync {
    /// Whether [`publish`](Connector::publish) can take a value now; registers `cx` to be
    /// woken when it can.
    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<()>;

    /// Send one encoded value to `address` (the link URL without its scheme).
    fn publish(&self, address: &str, payload: &[u8]) -> Result<(), PublishError>;

    /// Deliver payloads arriving at the routes' addresses. Called once per node at start-up,
    /// before any task runs.
    fn attach(&self, routes: &'static [InboundRoute]);

    /// Deliver payloads arriving on the families' filters, each to its instance's buffer
    /// ([`FamilyRoute`]). Called once per node at start-up, before any task runs. The
    /// default takes none: a connector without family support delivers nothing to them
    /// (the MQTT connector for tokio has it).
    fn attach_family(&self, routes: &'static [FamilyRoute]) {
        let _ = routes;
    }

    /// Declare an outbound link before its first [`publish`](Connector::publish), with the
    /// kind of buffer behind its record. Connectors that keep per-link state (MQTT: QoS,
    /// retain, counters) set it up here once instead of on the first publish, and may pick
    /// defaults by buffer kind (MQTT retains `SingleLatest` values). Optional: the default
    /// does nothing, and a connector must still accept a publish to an undeclared address.
    fn register_outbound(&self, address: &'static str, kind: crate::buffer::BufferKind) {
        let _ = (address, kind);
    }

    /// Count values the link task of `address` skipped before publishing: values lost to
    /// lag, or that its serializer could not encode. Called by generated link tasks; the
    /// default counts nothing. Connectors with per-link counters add them there, so that
    /// `produced == sent + dropped + lagged + encode failures + queued` can be checked.
    fn skipped(&self, address: &str, skipped: Skipped) {
        let _ = (address, skipped);
    }

    /// Declare that the link at `address` (either direction) carries the contract header
    /// of [`crate::contract`] with `fingerprint`, the record type's. Called at start-up for
    /// every link with a named codec, before any task runs. Connectors that pass payloads
    /// through as bytes (MQTT, serial) need nothing; one that re-frames them (the WebSocket
    /// connector's JSON envelope) moves the header into its own framing. The default does
    /// nothing.
    fn declare_contract(&self, address: &'static str, fingerprint: crate::contract::Fingerprint) {
        let _ = (address, fingerprint);
    }
}
