//! A clean end of the session: [`MqttConnector::disconnect`].

use core::sync::atomic::Ordering;

use tokio::task::JoinHandle;

use super::MqttConnector;

/// How often `disconnect` looks again while it waits.
const PAUSE: core::time::Duration = core::time::Duration::from_millis(5);

impl MqttConnector {
    /// End the session cleanly, within `within`: every value already queued is handed to
    /// the broker, every QoS 1 publish is acknowledged, then a DISCONNECT goes out (so the
    /// broker does not publish a last will and logs a clean disconnect) and the connection
    /// task ends instead of reconnecting. What the deadline cut short is in the report.
    /// Call it once, at shutdown (Ctrl-C, SIGTERM): the connector sends nothing afterwards.
    pub async fn disconnect(&self, within: core::time::Duration) -> Disconnected {
        let deadline = tokio::time::Instant::now() + within;
        self.shared.closing.store(true, Ordering::SeqCst);
        // 1. The queue into rumqttc (a broken connection keeps it: nothing to wait for).
        self.wait_while(deadline, || self.queue.len() > 0).await;
        // 2. Every QoS 1 publish acknowledged.
        let unacknowledged = || {
            let wanted = self.shared.acknowledged_wanted.load(Ordering::SeqCst);
            let acked = self.shared.counters.publish_acks.load(Ordering::Relaxed);
            wanted.saturating_sub(acked)
        };
        self.wait_while(deadline, || unacknowledged() > 0).await;
        let report = Disconnected {
            queued: self.queue.len() as u64,
            unacknowledged: unacknowledged(),
            sent: false,
        };
        // 3. `offline` on the node's liveness (a clean DISCONNECT suppresses the will), then
        // DISCONNECT, behind everything already handed to rumqttc; the connection task ends
        // once it is written (or at the next error).
        if let Some(rumqttc::Request::Publish(goodbye)) = self
            .shared
            .liveness_request(aimdb_core::address::mqtt::OFFLINE)
            && self.is_connected()
            && self
                .client
                .try_publish(goodbye.topic, goodbye.qos, true, goodbye.payload)
                .is_ok()
        {
            self.wait_while(deadline, || unacknowledged() > 0).await;
        }
        let sent = self.is_connected() && self.client.try_disconnect().is_ok();
        while sent && !self.connection_ended() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(PAUSE).await;
        }
        let sent = sent && self.connection_ended();
        if let Some(tasks) = self.tasks.get() {
            tasks.iter().for_each(JoinHandle::abort);
        }
        self.shared.connected.store(false, Ordering::SeqCst);
        Disconnected { sent, ..report }
    }

    /// Poll `busy` every [`PAUSE`] while it holds, the session is up and `deadline` is ahead.
    async fn wait_while(&self, deadline: tokio::time::Instant, busy: impl Fn() -> bool) {
        while busy() && self.is_connected() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(PAUSE).await;
        }
    }

    fn is_connected(&self) -> bool {
        self.shared.connected.load(Ordering::SeqCst)
    }

    fn connection_ended(&self) -> bool {
        self.tasks.get().is_none_or(|tasks| tasks[0].is_finished())
    }
}

/// What [`MqttConnector::disconnect`] managed before its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Disconnected {
    /// Whether the DISCONNECT packet was written (false: the broker was unreachable, or the
    /// deadline passed first).
    pub sent: bool,
    /// Values still in the outbound queue, never handed to the broker.
    pub queued: u64,
    /// QoS 1 publishes the broker had not acknowledged.
    pub unacknowledged: u64,
}

impl Disconnected {
    /// Everything reached the broker, acknowledged, and the session ended cleanly.
    pub fn is_clean(&self) -> bool {
        self.sent && self.queued == 0 && self.unacknowledged == 0
    }
}
