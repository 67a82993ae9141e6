//! Counters, per link and per connector, readable at run time.
//!
//! All counters are relaxed atomics: they are statistics, not synchronisation. Read them
//! through [`WsConnector::link_stats`](super::WsConnector::link_stats) and
//! [`WsConnector::stats`](super::WsConnector::stats), which return plain snapshots.

use core::sync::atomic::{AtomicU64, Ordering};

/// The live counters of one link (one path on the socket).
#[derive(Debug, Default)]
pub(crate) struct LinkCounters {
    pub(crate) sent: AtomicU64,
    pub(crate) received: AtomicU64,
    pub(crate) not_json: AtomicU64,
    pub(crate) decode_errors: AtomicU64,
    pub(crate) oversize: AtomicU64,
}

/// A snapshot of one link's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Values published to the browsers (each message goes to every connected client).
    pub sent: u64,
    /// Values a browser wrote that were delivered into the record.
    pub received: u64,
    /// Published payloads that were not JSON text (skipped): a `ws://` link's serializer
    /// must write JSON.
    pub not_json: u64,
    /// Browser writes the record's deserializer rejected.
    pub decode_errors: u64,
    /// Payloads larger than `max_payload`, in either direction (skipped).
    pub oversize: u64,
}

impl LinkCounters {
    pub(crate) fn snapshot(&self) -> LinkStats {
        LinkStats {
            sent: self.sent.load(Ordering::Relaxed),
            received: self.received.load(Ordering::Relaxed),
            not_json: self.not_json.load(Ordering::Relaxed),
            decode_errors: self.decode_errors.load(Ordering::Relaxed),
            oversize: self.oversize.load(Ordering::Relaxed),
        }
    }
}

/// The live connector-wide counters.
#[derive(Debug, Default)]
pub(crate) struct ConnectorCounters {
    pub(crate) clients: AtomicU64,
    pub(crate) sessions: AtomicU64,
    pub(crate) unauthorized: AtomicU64,
    pub(crate) busy: AtomicU64,
    pub(crate) rejected: AtomicU64,
    pub(crate) malformed: AtomicU64,
    pub(crate) lagged: AtomicU64,
    pub(crate) http_requests: AtomicU64,
    pub(crate) invalid_links: AtomicU64,
}

/// A snapshot of the connector-wide counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WsStats {
    /// WebSocket clients connected now.
    pub clients: u64,
    /// WebSocket sessions opened since start (reconnects included).
    pub sessions: u64,
    /// Requests refused with HTTP 401: no token, or the wrong one.
    pub unauthorized: u64,
    /// Upgrades refused with HTTP 503 because `max_clients` were connected.
    pub busy: u64,
    /// Browser writes to a record the node does not take from the socket (no
    /// `link_from("ws://..")` at that path): answered with an error, nothing produced.
    pub rejected: u64,
    /// Browser messages that were not `{"key": .., "value": ..}` JSON text (answered with
    /// an error).
    pub malformed: u64,
    /// Messages slow clients missed because they fell `channel_capacity` behind.
    pub lagged: u64,
    /// Plain HTTP requests served or answered with an error (page, graph, 404).
    pub http_requests: u64,
    /// Link addresses rejected (bad path or query); their publishes return `NoRoute`.
    pub invalid_links: u64,
}

impl ConnectorCounters {
    pub(crate) fn snapshot(&self) -> WsStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        WsStats {
            clients: get(&self.clients),
            sessions: get(&self.sessions),
            unauthorized: get(&self.unauthorized),
            busy: get(&self.busy),
            rejected: get(&self.rejected),
            malformed: get(&self.malformed),
            lagged: get(&self.lagged),
            http_requests: get(&self.http_requests),
            invalid_links: get(&self.invalid_links),
        }
    }
}

/// Add one to a counter.
#[inline]
pub(crate) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}
