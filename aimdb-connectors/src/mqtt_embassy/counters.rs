//! Counters of the embassy MQTT connector, per link and per connector (relaxed atomics:
//! statistics, not synchronisation).

use crate::counters::counters;

counters! {
    /// The live counters of one link (one topic), shared by both directions.
    pub(crate) struct LinkCounters: AtomicU32;
    /// A snapshot of one link's counters. Outbound, every value the record produced is
    /// `sent + dropped + lagged + encode_errors + oversize`, or still on its way (in the
    /// record's buffer or the connector's queue).
    pub struct LinkStats: u32 {
        /// Values handed to the MQTT client for publishing.
        sent,
        /// Values that arrived and were delivered into the record.
        received,
        /// Values dropped because the outbound queue was full.
        dropped,
        /// Values the link's reader lost because it fell behind its `SpmcRing` record
        /// (the queue could not take them: a broker outage longer than the ring holds).
        lagged,
        /// Values the link's serializer failed on (skipped).
        encode_errors,
        /// Arrived payloads the record's deserializer rejected (skipped).
        decode_errors,
        /// Payloads larger than `MAX_PAYLOAD` or the link's buffer (outbound), or that the
        /// deserializer reported as oversize (inbound); skipped.
        oversize,
    }
}

counters! {
    /// The live connector-wide counters.
    pub(crate) struct ConnectorCounters: AtomicU32;
    /// A snapshot of the connector-wide counters.
    pub struct ConnectorStats: u32 {
        /// Successful connections (CONNACK received), the first one included.
        connects,
        /// Failed connection attempts and lost connections.
        connection_errors,
        /// Subscriptions acknowledged (every inbound link again after each reconnect).
        subscribe_acks,
        /// QoS 1 publishes the broker acknowledged.
        publish_acks,
        /// Arrived publishes on a topic no route takes.
        unrouted,
        /// Link addresses rejected (bad topic or option, full table).
        invalid_links,
    }
    extra {
        /// Successful connections after the first.
        reconnects: u32,
        /// Values waiting in the outbound queue now.
        queued: u32,
        /// Whether a session is up now.
        connected: bool,
    }
}
