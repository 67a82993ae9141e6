//! Counters of the DDS connector: per link the figures every host connector keeps
//! (`sent`, `received`, `dropped`, ...), and connector-wide ones (relaxed atomics).

use crate::counters::counters;

pub(crate) use crate::counters::LinkCounters64 as LinkCounters;
/// A snapshot of one link's counters (see [`DdsConnector::link_stats`](super::DdsConnector::link_stats)).
pub use crate::counters::LinkStats64 as LinkStats;

counters! {
    /// The live connector-wide counters of a DDS connector.
    pub(crate) struct DdsCounters: AtomicU64;
    /// A snapshot of a DDS connector's connector-wide counters (see
    /// [`DdsConnector::stats`](super::DdsConnector::stats)).
    pub struct DdsStats: u64 {
        /// Samples refused at our readers because they came from a writer that is not the
        /// topic's owner: another EXCLUSIVE writer on the domain outranks it (higher
        /// strength, or the same strength and a lower GUID). DDS's run-time ownership
        /// arbitration, done by the connector (rustdds delivers every writer's samples).
        foreign_writer,
        /// Samples rustdds could not hand over (a read error on a reader's stream).
        read_errors,
        /// Link addresses rejected (refused by the grammar, an option this connector
        /// cannot honour, a participant, topic or endpoint rustdds could not make); their
        /// publishes return `NoRoute`.
        invalid_links,
        /// Domain participants made (one per domain id the links use).
        participants,
    }
}
