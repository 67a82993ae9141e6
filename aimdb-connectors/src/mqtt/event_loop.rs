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

use core::sync::atomic::Ordering;
use core::time::Duration;
use std::collections::VecDeque;

use rumqttc::{Event, EventLoop, Incoming, Request, Subscribe};

use super::Shared;
use super::config::Backoff;
use super::counters::bump;

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

/// The connection task. Runs until the runtime shuts down.
pub(crate) async fn run(shared: &'static Shared, mut events: EventLoop, mut retry: Retry) {
    // Requests a broken connection left behind, held across the reconnect.
    let mut carried: VecDeque<Request> = VecDeque::new();
    loop {
        match events.poll().await {
            Ok(Event::Incoming(Incoming::ConnAck(_))) => {
                retry.reset();
                if shared.counters.connects.fetch_add(1, Ordering::Relaxed) > 0 {
                    bump(&shared.counters.reconnects);
                }
                // Publish `connected` before reading the subscription list: `attach` does
                // the opposite order, so a route attached concurrently is subscribed by at
                // least one of the two.
                shared.connected.store(true, Ordering::SeqCst);
                let subscriptions = shared.routes.subscriptions();
                // Whatever rumqttc kept (a resumed session) goes after what we carried.
                carried.append(&mut events.pending);
                if !subscriptions.is_empty() {
                    carried.push_front(Request::Subscribe(Subscribe::new_many(subscriptions)));
                }
                core::mem::swap(&mut events.pending, &mut carried);
            }
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
            Ok(_) => {}
            Err(error) => {
                shared.connected.store(false, Ordering::SeqCst);
                bump(&shared.counters.connection_errors);
                shared.set_last_error(&error);
                // rumqttc has moved unacknowledged publishes into `pending`; a new session
                // would clear them there, so keep them here until the next ConnAck.
                carried.append(&mut events.pending);
                tokio::time::sleep(retry.delay()).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let a: std::vec::Vec<_> = (0..5).map(|_| a.delay()).collect();
        let b: std::vec::Vec<_> = (0..5).map(|_| b.delay()).collect();
        assert_ne!(a, b);
    }
}
