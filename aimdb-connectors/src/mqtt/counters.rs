//! Counters, per link and per connector, readable at run time.
//!
//! All counters are relaxed atomics: they are statistics, not synchronisation. Read them
//! through [`MqttConnector::link_stats`](super::MqttConnector::link_stats) and
//! [`MqttConnector::stats`](super::MqttConnector::stats), which return plain snapshots.

pub(crate) use crate::counters::LinkCounters64 as LinkCounters;
/// A snapshot of one link's counters (see [`MqttConnector::link_stats`](super::MqttConnector::link_stats)).
pub use crate::counters::LinkStats64 as LinkStats;

pub(crate) use crate::counters::MqttCounters64 as ConnectorCounters;
/// A snapshot of the connector-wide counters (see [`MqttConnector::stats`](super::MqttConnector::stats)).
pub use crate::counters::MqttStats64 as ConnectorStats;

pub(crate) use crate::counters::bump;
