//! The connection task: drives rumqttc's event loop, reconnects with backoff and jitter,
//! re-subscribes every inbound link on each ConnAck, and routes arriving publishes.
//!
//! Two things rumqttc leaves to its user are done here:
//! - **Re-subscription.** A broker that restarted (or any clean session) has forgotten our
//!   subscriptions; rumqttc does not repeat them. On every ConnAck the full subscription
//!   list goes out first, before anything else queued.
//! - **Keeping unacknowledged publishes.** When a connection breaks, rumqttc moves the
//!   unacknowledged QoS 1/2 publishes and its queued requests to `EventLoop::pending`, and
//!   then *clears* that list if the next ConnAck says the session is new. We move them out
//!   before reconnecting and put them back after the ConnAck, so at QoS 1 they are sent
//!   again (at least once) instead of silently lost.
//!
//! A clean end: after `MqttConnector::disconnect` the task returns once its DISCONNECT is
//! written (or at the connection's next error), instead of reconnecting.
//!
//! And two things rumqttc does not bound:
//! - **A hung broker** (stopped, its TCP connection still open). rumqttc notices a missing
//!   PINGRESP only at its next ping, up to two keep-alives after the broker stopped. A
//!   watchdog here treats a connection that brought no packet at all for 1.5 keep-alives
//!   (`MqttConfig::silence_limit`) as lost: it drops the connection (`EventLoop::clean`),
//!   counts `keepalive_timeouts` and `connection_errors`, and reconnects with backoff.
//! - **A packet above `max_packet`**, which rumqttc cannot skip: it closes the connection.
//!   That is counted (`oversize_packets`), and a connection that dies within
//!   [`STABLE_CONNECTION`] of its ConnAck does not reset the backoff, so a retained giant
//!   sent again after every subscription cannot drive a tight reconnect loop.

use core::sync::atomic::Ordering;
use core::time::Duration;
use std::collections::VecDeque;

use rumqttc::{
    ConnectionError, Event, EventLoop, Incoming, Outgoing, Request, StateError, Subscribe,
};
use tokio::time::Instant;

use super::Shared;
use super::config::Backoff;
use super::counters::bump;
use crate::counters::Counter as _;

/// Exponential backoff with jitter: delay `d` doubles per failed attempt up to the cap, and
/// each sleep is drawn from `[d/2, d]`.
pub(crate) struct Retry {
    config: Backoff,
    next: Duration,
    rng: u64,
}

impl Retry {
    pub(crate) fn new(config: Backoff, seed: u64) -> Self {
        Retry {
            config,
            next: config.initial,
            // xorshift must not start at zero.
            rng: seed | 1,
        }
    }

    /// Back to the initial delay (after a successful connection).
    pub(crate) fn reset(&mut self) {
        self.next = self.config.initial;
    }

    /// The delay before the next attempt.
    pub(crate) fn delay(&mut self) -> Duration {
        let ceiling = self.next;
        self.next = (self.next * 2).min(self.config.max);
        // xorshift64: enough randomness to spread clients out, no dependency.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let half = ceiling / 2;
        let span = (ceiling - half).as_nanos() as u64;
        half + Duration::from_nanos(if span == 0 { 0 } else { self.rng % (span + 1) })
    }
}

/// A connection must stay up this long after its ConnAck for the reconnect backoff to
/// start again from its initial delay.
pub const STABLE_CONNECTION: Duration = Duration::from_secs(1);

/// Whether a connection error is rumqttc refusing a packet above its size limit.
fn is_oversize_packet(error: &ConnectionError) -> bool {
    matches!(
        error,
        ConnectionError::MqttState(StateError::Deserialization(
            rumqttc::Error::PayloadSizeLimitExceeded(_)
        ))
    )
}

/// The connection task. Runs until the runtime shuts down. `silence` is how long a
/// connection may bring no packet before the watchdog treats it as lost.
pub(crate) async fn run(
    shared: &'static Shared,
    mut events: EventLoop,
    mut retry: Retry,
    silence: Duration,
) {
    // Requests a broken connection left behind, held across the reconnect.
    let mut carried: VecDeque<Request> = VecDeque::new();
    // When the current connection got its ConnAck, and when it last brought a packet.
    let mut connected_at: Option<Instant> = None;
    let mut last_inbound = Instant::now();
    loop {
        let polled = if connected_at.is_some() {
            tokio::select! {
                polled = events.poll() => Some(polled),
                () = tokio::time::sleep_until(last_inbound + silence) => None,
            }
        } else {
            Some(events.poll().await)
        };
        let Some(polled) = polled else {
            // The watchdog: the broker sent nothing, not even a PINGRESP, for 1.5
            // keep-alives. Drop the connection (rumqttc moves what was in flight to
            // `pending`) and reconnect.
            bump(&shared.counters.keepalive_timeouts);
            tracing::warn!(
                target: "aimdb::mqtt",
                address = %shared.broker,
                ?silence,
                "no packet from the broker: connection treated as lost"
            );
            shared.set_last_error(&format_args!(
                "no packet from the broker for {silence:?}: connection treated as lost"
            ));
            events.clean();
            lost(
                shared,
                &mut events,
                &mut carried,
                &mut retry,
                &mut connected_at,
            )
            .await;
            continue;
        };
        if let Ok(Event::Incoming(_)) = polled {
            last_inbound = Instant::now();
        }
        match polled {
            Ok(Event::Incoming(Incoming::ConnAck(_))) => {
                // The backoff is reset only once the connection has proved stable (see
                // `lost`).
                connected_at = Some(Instant::now());
                let again = shared.counters.connects.fetch_add(1, Ordering::Relaxed) > 0;
                if again {
                    bump(&shared.counters.reconnects);
                }
                // Publish `connected` before reading the subscription list: `attach` does
                // the opposite order, so a route attached concurrently is subscribed by at
                // least one of the two.
                shared.connected.store(true, Ordering::SeqCst);
                let mut subscriptions = shared.routes.subscriptions();
                subscriptions.extend(shared.observed_topics());
                // Whatever rumqttc kept (a resumed session) goes after what we carried.
                carried.append(&mut events.pending);
                // QoS 1 publishes the broker never acknowledged go out again (they carry
                // a packet id; ones never sent do not).
                let resent = carried
                    .iter()
                    .filter(|r| matches!(r, Request::Publish(p) if p.pkid != 0))
                    .count();
                shared.counters.resent.add(resent as u64);
                tracing::info!(
                    target: "aimdb::mqtt",
                    address = %shared.broker,
                    subscriptions = subscriptions.len(),
                    resent,
                    "{}",
                    if again { "reconnected" } else { "connected" }
                );
                // First the subscriptions, then `online` on this node's liveness topic.
                if let Some(online) = shared.liveness_request(aimdb_core::address::mqtt::ONLINE) {
                    carried.push_front(online);
                }
                if !subscriptions.is_empty() {
                    carried.push_front(Request::Subscribe(Subscribe::new_many(subscriptions)));
                }
                core::mem::swap(&mut events.pending, &mut carried);
            }
            Ok(Event::Incoming(Incoming::Publish(publish)))
                if shared.liveness_heard(&publish.topic, &publish.payload) => {}
            Ok(Event::Incoming(Incoming::Publish(publish))) => {
                shared.routes.dispatch(
                    &publish.topic,
                    &publish.payload,
                    shared.max_payload,
                    &shared.counters,
                );
            }
            Ok(Event::Incoming(Incoming::SubAck(_))) => bump(&shared.counters.subscribe_acks),
            Ok(Event::Incoming(Incoming::PubAck(_))) => bump(&shared.counters.publish_acks),
            // `MqttConnector::disconnect`'s DISCONNECT is written: the session is over.
            Ok(Event::Outgoing(Outgoing::Disconnect)) => {
                shared.connected.store(false, Ordering::SeqCst);
                return;
            }
            Ok(_) => {}
            Err(_) if shared.closing.load(Ordering::SeqCst) => {
                shared.connected.store(false, Ordering::SeqCst);
                return;
            }
            Err(error) => {
                if is_oversize_packet(&error) {
                    bump(&shared.counters.oversize_packets);
                }
                shared.set_last_error(&error);
                tracing::warn!(
                    target: "aimdb::mqtt",
                    address = %shared.broker,
                    %error,
                    "connection lost or refused; reconnecting with backoff"
                );
                lost(
                    shared,
                    &mut events,
                    &mut carried,
                    &mut retry,
                    &mut connected_at,
                )
                .await;
            }
        }
    }
}

/// After a lost connection (or a failed attempt): mark it down, keep what rumqttc left
/// unacknowledged, and wait for the backoff. The backoff starts again from its initial
/// delay only if the connection had stayed up for [`STABLE_CONNECTION`].
async fn lost(
    shared: &Shared,
    events: &mut EventLoop,
    carried: &mut VecDeque<Request>,
    retry: &mut Retry,
    connected_at: &mut Option<Instant>,
) {
    shared.connected.store(false, Ordering::SeqCst);
    bump(&shared.counters.connection_errors);
    if connected_at
        .take()
        .is_some_and(|at| at.elapsed() >= STABLE_CONNECTION)
    {
        retry.reset();
    }
    // rumqttc has moved unacknowledged publishes into `pending`; a new session would clear
    // them there, so keep them here until the next ConnAck.
    carried.append(&mut events.pending);
    let delay = retry.delay();
    tracing::debug!(target: "aimdb::mqtt", address = %shared.broker, ?delay, "next attempt");
    tokio::time::sleep(delay).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packet_above_the_limit_is_recognised_as_oversize() {
        let oversize = ConnectionError::MqttState(StateError::Deserialization(
            rumqttc::Error::PayloadSizeLimitExceeded(10_000_000),
        ));
        assert!(is_oversize_packet(&oversize));
        assert!(!is_oversize_packet(&ConnectionError::NetworkTimeout));
        assert!(!is_oversize_packet(&ConnectionError::MqttState(
            StateError::AwaitPingResp
        )));
    }

    #[test]
    fn backoff_doubles_jitters_and_caps() {
        let config = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(400),
        };
        let mut retry = Retry::new(config, 42);
        let ceilings = [100, 200, 400, 400, 400];
        for ceiling in ceilings {
            let d = retry.delay();
            let ceiling = Duration::from_millis(ceiling);
            assert!(
                d >= ceiling / 2 && d <= ceiling,
                "{d:?} outside [{ceiling:?}/2, {ceiling:?}]"
            );
        }
        retry.reset();
        assert!(retry.delay() <= Duration::from_millis(100));
        // Two seeds give different delays: the jitter is real.
        let (mut a, mut b) = (Retry::new(config, 1), Retry::new(config, 7));
        // (The rule for when `reset` is called, after a stable connection only, is in `lost`.)
        let a: std::vec::Vec<_> = (0..5).map(|_| a.delay()).collect();
        let b: std::vec::Vec<_> = (0..5).map(|_| b.delay()).collect();
        assert_ne!(a, b);
    }
}
