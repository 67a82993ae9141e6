//! Counters, per link and per connector, readable at run time.
//!
//! All counters are relaxed atomics: they are statistics, not synchronisation. Read them
//! through [`WsConnector::link_stats`](super::WsConnector::link_stats) and
//! [`WsConnector::stats`](super::WsConnector::stats), which return plain snapshots.

use crate::counters::counters;

counters! {
    /// The live counters of one link (one path on the socket).
    pub(crate) struct LinkCounters: AtomicU64;
    /// A snapshot of one link's counters.
    pub struct LinkStats: u64 {
        /// Values published to the browsers (each message goes to every connected client).
        sent,
        /// Values a browser (its page, or a browser node over `/link/PATH`) wrote that were
        /// delivered into the record.
        received,
        /// Published payloads that were not JSON text, so not sent to the pages (a link
        /// read by the page must be serialized as JSON); node peers at `/link/PATH` still
        /// get them, as binary values.
        not_json,
        /// Values the link's reader lost because it fell behind its `SpmcRing` record.
        lagged,
        /// Values the link's serializer failed on (skipped).
        encode_errors,
        /// Browser writes the record's deserializer rejected.
        decode_errors,
        /// Payloads larger than `max_payload` or the link's buffer, in either direction
        /// (skipped).
        oversize,
        /// Browser writes whose `fingerprint` is another version of the record type than
        /// the node's (refused; see `aimdb::contract`).
        schema_mismatch,
    }
}

counters! {
    /// The live connector-wide counters.
    pub(crate) struct ConnectorCounters: AtomicU64;
    /// A snapshot of the connector-wide counters.
    pub struct WsStats: u64 {
        /// WebSocket clients connected now.
        clients,
        /// WebSocket sessions opened since start (reconnects included).
        sessions,
        /// Requests refused with HTTP 401: no token, or the wrong one.
        unauthorized,
        /// WebSocket upgrades refused with HTTP 403: their `Origin` header named a page
        /// that may not open the socket (see `WsConfig::allowed_origins`).
        forbidden,
        /// Upgrades refused with HTTP 503 because `max_clients` were connected and none of
        /// them was stalled.
        busy,
        /// Clients closed because they stalled: more than `channel_capacity` messages
        /// behind for `stall_timeout`, or (the most stalled one) to make room for a fresh
        /// client when every slot was taken.
        evicted,
        /// Browser writes to a record the node does not take from the socket (no
        /// `link_from("ws://..")` at that path): answered with an error, nothing produced.
        rejected,
        /// Browser messages that were not `{"key": .., "value": ..}` JSON text (answered
        /// with an error).
        malformed,
        /// Messages slow clients missed because they fell `channel_capacity` behind.
        lagged,
        /// Plain HTTP requests served or answered with an error (page, graph, 404).
        http_requests,
        /// Link addresses rejected (bad path or query); their publishes return `NoRoute`.
        invalid_links,
        /// Node peer sessions (`/link/PATH`, binary values) opened since start.
        peer_sessions,
        /// Binary values a node peer sent on a path this node does not read (a record the
        /// peer does not own): skipped, the session goes on.
        peer_refused,
        /// Messages on a node peer session that were not binary values (text): skipped.
        peer_malformed,
    }
}

pub(crate) use crate::counters::bump;
