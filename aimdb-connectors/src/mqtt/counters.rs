//! Counters, per link and per connector, readable at run time.
//!
//! All counters are relaxed atomics: they are statistics, not synchronisation. Read them
//! through [`MqttConnector::link_stats`](super::MqttConnector::link_stats) and
//! [`MqttConnector::stats`](super::MqttConnector::stats), which return plain snapshots.

use core::sync::atomic::{AtomicU64, Ordering};

/// The live counters of one link (one topic), shared by both directions.
#[derive(Debug, Default)]
pub(crate) struct LinkCounters {
    pub(crate) sent: AtomicU64,
    pub(crate) received: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) decode_errors: AtomicU64,
    pub(crate) oversize: AtomicU64,
}

/// A snapshot of one link's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Values handed to the MQTT client for publishing.
    pub sent: u64,
    /// Values that arrived and were delivered into the record.
    pub received: u64,
    /// Values that were not sent: dropped because the outbound queue was full, or (for a
    /// `SingleLatest` or `Mailbox` link) replaced in the queue by a newer value.
    pub dropped: u64,
    /// Arrived payloads the record's deserializer rejected (skipped).
    pub decode_errors: u64,
    /// Payloads larger than `max_payload`, in either direction (skipped).
    pub oversize: u64,
}

impl LinkCounters {
    pub(crate) fn snapshot(&self) -> LinkStats {
        LinkStats {
            sent: self.sent.load(Ordering::Relaxed),
            received: self.received.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            decode_errors: self.decode_errors.load(Ordering::Relaxed),
            oversize: self.oversize.load(Ordering::Relaxed),
        }
    }
}

/// The live connector-wide counters.
#[derive(Debug, Default)]
pub(crate) struct ConnectorCounters {
    pub(crate) connects: AtomicU64,
    pub(crate) reconnects: AtomicU64,
    pub(crate) connection_errors: AtomicU64,
    pub(crate) subscribe_acks: AtomicU64,
    pub(crate) publish_acks: AtomicU64,
    pub(crate) unrouted: AtomicU64,
    pub(crate) invalid_links: AtomicU64,
}

/// A snapshot of the connector-wide counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectorStats {
    /// Successful connections (ConnAck received), the first one included.
    pub connects: u64,
    /// Successful connections after the first: how often the connector came back.
    pub reconnects: u64,
    /// Failed connection attempts and dropped connections.
    pub connection_errors: u64,
    /// Subscriptions acknowledged by the broker (one per subscribe request; the connector
    /// subscribes every inbound link again after each reconnect).
    pub subscribe_acks: u64,
    /// QoS 1 publishes the broker acknowledged.
    pub publish_acks: u64,
    /// Arrived publishes on a topic no route takes.
    pub unrouted: u64,
    /// Link addresses rejected (bad topic or query); their publishes return `NoRoute`.
    pub invalid_links: u64,
    /// Values waiting in the outbound queue now, plus one the connector may be handing to
    /// rumqttc: `sent + dropped + queued` adds up to what was accepted by `publish`.
    pub queued: u64,
    /// Whether the connector is connected to the broker now.
    pub connected: bool,
}

impl ConnectorCounters {
    pub(crate) fn snapshot(&self, queued: usize, connected: bool) -> ConnectorStats {
        ConnectorStats {
            connects: self.connects.load(Ordering::Relaxed),
            reconnects: self.reconnects.load(Ordering::Relaxed),
            connection_errors: self.connection_errors.load(Ordering::Relaxed),
            subscribe_acks: self.subscribe_acks.load(Ordering::Relaxed),
            publish_acks: self.publish_acks.load(Ordering::Relaxed),
            unrouted: self.unrouted.load(Ordering::Relaxed),
            invalid_links: self.invalid_links.load(Ordering::Relaxed),
            queued: queued as u64,
            connected,
        }
    }
}

/// Add one to a counter.
#[inline]
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}
