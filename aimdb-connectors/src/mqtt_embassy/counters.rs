//! Counters of the embassy MQTT connector, per link and per connector (relaxed atomics:
//! statistics, not synchronisation).

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// The live counters of one link (one topic), shared by both directions.
#[derive(Debug)]
pub(crate) struct LinkCounters {
    pub(crate) sent: AtomicU32,
    pub(crate) received: AtomicU32,
    pub(crate) dropped: AtomicU32,
    pub(crate) decode_errors: AtomicU32,
    pub(crate) oversize: AtomicU32,
}

impl LinkCounters {
    pub(crate) const fn new() -> Self {
        LinkCounters {
            sent: AtomicU32::new(0),
            received: AtomicU32::new(0),
            dropped: AtomicU32::new(0),
            decode_errors: AtomicU32::new(0),
            oversize: AtomicU32::new(0),
        }
    }

    pub(crate) fn snapshot(&self) -> LinkStats {
        let load = |c: &AtomicU32| c.load(Ordering::Relaxed);
        LinkStats {
            sent: load(&self.sent),
            received: load(&self.received),
            dropped: load(&self.dropped),
            decode_errors: load(&self.decode_errors),
            oversize: load(&self.oversize),
        }
    }
}

/// A snapshot of one link's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Values handed to the MQTT client for publishing.
    pub sent: u32,
    /// Values that arrived and were delivered into the record.
    pub received: u32,
    /// Values dropped because the outbound queue was full.
    pub dropped: u32,
    /// Arrived payloads the record's deserializer rejected (skipped).
    pub decode_errors: u32,
    /// Payloads larger than `MAX_PAYLOAD` (outbound) or that the deserializer reported as
    /// oversize (inbound); skipped.
    pub oversize: u32,
}

/// The live connector-wide counters.
#[derive(Debug)]
pub(crate) struct ConnectorCounters {
    pub(crate) connects: AtomicU32,
    pub(crate) connection_errors: AtomicU32,
    pub(crate) subscribe_acks: AtomicU32,
    pub(crate) publish_acks: AtomicU32,
    pub(crate) unrouted: AtomicU32,
    pub(crate) invalid_links: AtomicU32,
    pub(crate) connected: AtomicBool,
}

impl ConnectorCounters {
    pub(crate) const fn new() -> Self {
        ConnectorCounters {
            connects: AtomicU32::new(0),
            connection_errors: AtomicU32::new(0),
            subscribe_acks: AtomicU32::new(0),
            publish_acks: AtomicU32::new(0),
            unrouted: AtomicU32::new(0),
            invalid_links: AtomicU32::new(0),
            connected: AtomicBool::new(false),
        }
    }

    pub(crate) fn snapshot(&self, queued: usize) -> ConnectorStats {
        let load = |c: &AtomicU32| c.load(Ordering::Relaxed);
        let connects = load(&self.connects);
        ConnectorStats {
            connects,
            reconnects: connects.saturating_sub(1),
            connection_errors: load(&self.connection_errors),
            subscribe_acks: load(&self.subscribe_acks),
            publish_acks: load(&self.publish_acks),
            unrouted: load(&self.unrouted),
            invalid_links: load(&self.invalid_links),
            queued: queued as u32,
            connected: self.connected.load(Ordering::Relaxed),
        }
    }
}

/// A snapshot of the connector-wide counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectorStats {
    /// Successful connections (CONNACK received), the first one included.
    pub connects: u32,
    /// Successful connections after the first.
    pub reconnects: u32,
    /// Failed connection attempts and lost connections.
    pub connection_errors: u32,
    /// Subscriptions acknowledged (every inbound link again after each reconnect).
    pub subscribe_acks: u32,
    /// QoS 1 publishes the broker acknowledged.
    pub publish_acks: u32,
    /// Arrived publishes on a topic no route takes.
    pub unrouted: u32,
    /// Link addresses rejected (bad topic or option, full table).
    pub invalid_links: u32,
    /// Values waiting in the outbound queue now.
    pub queued: u32,
    /// Whether a session is up now.
    pub connected: bool,
}
