//! Counters of the KNX connector, per link and per connector (relaxed atomics: statistics,
//! not synchronisation), `u32` on both runtimes (one connector type serves both).

use crate::counters::counters;

pub(crate) use crate::counters::LinkCounters32 as LinkCounters;
/// A snapshot of one link's counters (see [`KnxConnector::link_stats`](super::KnxConnector::link_stats)).
pub use crate::counters::LinkStats32 as LinkStats;

counters! {
    /// The live connector-wide counters of a KNX connector.
    pub(crate) struct KnxCounters: AtomicU32;
    /// A snapshot of a KNX connector's connector-wide counters (see
    /// [`KnxConnector::stats`](super::KnxConnector::stats)).
    pub struct KnxStats: u32 {
        /// Tunnels opened (CONNECT_RESPONSE without error), the first one included.
        connects,
        /// Tunnels opened after the first: how often the connector came back.
        reconnects,
        /// Connect attempts that failed (refused or unanswered) and tunnels lost (no
        /// heartbeat answer, a missing ACK, a server DISCONNECT, a socket error).
        connection_errors,
        /// Heartbeats (CONNECTIONSTATE_REQUEST) the server answered.
        heartbeats,
        /// Telegrams sent a second time because the first had no TUNNELLING_ACK within 1 s.
        retransmits,
        /// Telegrams the server ACKed with an error status (dropped; the tunnel is
        /// reopened).
        nacks,
        /// `L_Data.con` without error: the server put the telegram on the bus.
        confirms,
        /// `L_Data.con` with the error bit: the server could not send the telegram.
        confirm_errors,
        /// Telegrams ACKed but never confirmed within the confirm timeout.
        confirm_timeouts,
        /// Group value writes and responses that arrived from the bus (routed or not).
        telegrams_received,
        /// Arrived group telegrams on a group address no route takes.
        unrouted,
        /// TUNNELLING_REQUESTs the server repeated (ACKed again, dropped).
        duplicates,
        /// TUNNELLING_REQUESTs out of sequence (dropped, not ACKed).
        out_of_sequence,
        /// Datagrams that did not decode as a KNXnet/IP frame or cEMI message.
        malformed,
        /// Link addresses rejected (not a group address, a route attached twice, a full
        /// link table); their publishes return `NoRoute`.
        invalid_links,
    }
    extra {
        /// Telegrams waiting in the outbound queue now.
        queued: u32,
        /// Whether a tunnel is open now.
        connected: bool,
        /// The individual address the server gave the tunnel (`0x1102` is 1.1.2), or the
        /// last one it gave.
        address: u16,
    }
}
