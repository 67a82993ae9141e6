//! Counters, per link and per connector, readable at run time.
//!
//! All counters are relaxed atomics: they are statistics, not synchronisation. Read them
//! through [`MqttConnector::link_stats`](super::MqttConnector::link_stats) and
//! [`MqttConnector::stats`](super::MqttConnector::stats), which return plain snapshots.

use crate::counters::counters;

counters! {
    /// The live counters of one link (one topic), shared by both directions.
    pub(crate) struct LinkCounters: AtomicU64;
    /// A snapshot of one link's counters. Outbound, every value the record produced is
    /// `sent + dropped + lagged + encode_errors + oversize`, or still on its way (in the
    /// record's buffer or the connector's queue).
    pub struct LinkStats: u64 {
        /// Values handed to the MQTT client for publishing.
        sent,
        /// Values that arrived and were delivered into the record.
        received,
        /// Values that were not sent: dropped because the outbound queue was full, or (for
        /// a `SingleLatest` or `Mailbox` link) replaced in the queue by a newer value.
        dropped,
        /// Values the link's reader lost because it fell behind its `SpmcRing` record
        /// (only when the link task waits on a full queue; see `OverflowPolicy`).
        lagged,
        /// Values the link's serializer failed on (skipped).
        encode_errors,
        /// Arrived payloads the record's deserializer rejected (skipped).
        decode_errors,
        /// Payloads larger than `max_payload` or the link's buffer, in either direction
        /// (skipped).
        oversize,
    }
}

counters! {
    /// The live connector-wide counters.
    pub(crate) struct ConnectorCounters: AtomicU64;
    /// A snapshot of the connector-wide counters.
    pub struct ConnectorStats: u64 {
        /// Successful connections (ConnAck received), the first one included.
        connects,
        /// Successful connections after the first: how often the connector came back.
        reconnects,
        /// Failed connection attempts and dropped connections.
        connection_errors,
        /// Subscriptions acknowledged by the broker (one per subscribe request; the
        /// connector subscribes every inbound link again after each reconnect).
        subscribe_acks,
        /// QoS 1 publishes the broker acknowledged.
        publish_acks,
        /// Arrived publishes on a topic no route takes.
        unrouted,
        /// Link addresses rejected (bad topic or query); their publishes return `NoRoute`.
        invalid_links,
    }
    extra {
        /// Values waiting in the outbound queue now, plus one the connector may be handing
        /// to rumqttc: `sent + dropped + queued` adds up to what was accepted by `publish`.
        queued: u64,
        /// Whether the connector is connected to the broker now.
        connected: bool,
    }
}

pub(crate) use crate::counters::bump;
