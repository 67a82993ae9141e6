//! Counters of the embassy MQTT connector, per link and per connector (relaxed atomics:
//! statistics, not synchronisation).

pub(crate) use crate::counters::LinkCounters32 as LinkCounters;
/// A snapshot of one link's counters (see [`MqttConnector::link_stats`](super::MqttConnector::link_stats)).
pub use crate::counters::LinkStats32 as LinkStats;

pub(crate) use crate::counters::MqttCounters32 as ConnectorCounters;
/// A snapshot of the connector-wide counters (see [`MqttConnector::stats`](super::MqttConnector::stats)).
pub use crate::counters::MqttStats32 as ConnectorStats;
