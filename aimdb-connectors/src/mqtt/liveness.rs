//! Liveness: this node's `online` / `offline` at `aimdb/nodes/NODE/online`
//! ([`MqttConfig::liveness`](super::MqttConfig::liveness)), and what it heard of the nodes
//! it follows ([`MqttConfig::observed_liveness`](super::MqttConfig::observed_liveness)).
//!
//! The connection task subscribes to the followed topics and publishes `online` after every
//! ConnAck (after the subscriptions); the last will in CONNECT says `offline`;
//! [`disconnect`](super::MqttConnector::disconnect) says `offline` itself before its
//! DISCONNECT, which suppresses the will.

use core::sync::atomic::Ordering;
use std::vec::Vec;

use super::{MqttConnector, QoS, Shared};

impl Shared {
    /// A publish on a followed liveness topic: remember it (it is not a link's value).
    pub(super) fn liveness_heard(&self, topic: &str, payload: &[u8]) -> bool {
        use aimdb_core::address::mqtt::{OFFLINE, ONLINE, liveness_node};
        // Every arriving publish passes here: the lock only for a liveness topic.
        if liveness_node(topic).is_none() {
            return false;
        }
        let mut observed = self.observed.lock().unwrap_or_else(|p| p.into_inner());
        let Some((_, state)) = observed.iter_mut().find(|(t, _)| t == topic) else {
            return false;
        };
        *state = match payload {
            ONLINE => Some(true),
            OFFLINE => Some(false),
            _ => *state,
        };
        true
    }

    /// The followed liveness topics, as subscriptions (QoS 1: a change is not lost).
    pub(super) fn observed_topics(&self) -> Vec<rumqttc::SubscribeFilter> {
        let observed = self.observed.lock().unwrap_or_else(|p| p.into_inner());
        observed
            .iter()
            .map(|(topic, _)| rumqttc::SubscribeFilter::new(topic.clone(), QoS::AtLeastOnce))
            .collect()
    }

    /// A publish of `payload` (`online` or `offline`) on this node's liveness topic (retained,
    /// QoS 1, counted as awaiting its ack), if it has one.
    pub(super) fn liveness_request(&self, payload: &'static [u8]) -> Option<rumqttc::Request> {
        let topic = self.liveness.as_ref()?;
        let mut publish = rumqttc::Publish::new(topic.clone(), QoS::AtLeastOnce, payload);
        publish.retain = true;
        self.acknowledged_wanted.fetch_add(1, Ordering::SeqCst);
        Some(rumqttc::Request::Publish(publish))
    }
}

impl MqttConnector {
    /// Whether the node at liveness topic `topic` (one of `MqttConfig::observed_liveness`)
    /// is up: `Some(true)` after its `online`, `Some(false)` after its `offline` (its last
    /// will, or its clean goodbye), `None` while nothing was heard (or `topic` is not
    /// followed).
    pub fn node_online(&self, topic: &str) -> Option<bool> {
        let observed = self
            .shared
            .observed
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        observed
            .iter()
            .find(|(t, _)| t == topic)
            .and_then(|(_, state)| *state)
    }
}
