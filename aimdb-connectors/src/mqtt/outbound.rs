//! The bounded outbound queue and the pump that feeds rumqttc from it.
//!
//! `publish` copies the payload into a preallocated slot and returns at once: it never
//! blocks and, once each slot's buffer has grown to the payload size (the first lap),
//! never allocates. When the queue is full the [`OverflowPolicy`] drops a value and counts
//! it. A link task that prefers backpressure to drops waits on `poll_ready`, which is
//! woken when the pump has emptied half the queue.
//!
//! The pump is one tokio task that moves values from this queue into rumqttc's (small)
//! request channel; when the broker is unreachable that channel fills, the pump waits, and
//! this queue absorbs the outage up to its capacity.

use core::sync::atomic::{AtomicUsize, Ordering};
use core::task::{Context, Poll};
use std::sync::Mutex;
use std::vec::Vec;

use aimdb_core::connector::PublishError;
use bytes::Bytes;
use embassy_sync::waitqueue::MultiWakerRegistration;
use tokio::sync::Notify;

use super::config::OverflowPolicy;
use super::counters::bump;
use super::routing::OutboundLink;

/// How many distinct tasks `poll_ready` tracks; more waiters are all woken early (and
/// simply register again), which costs a spurious poll, not a lost wake-up.
const READY_WAITERS: usize = 16;

struct Slot {
    link: Option<&'static OutboundLink>,
    payload: Vec<u8>,
}

struct Ring {
    slots: Vec<Slot>,
    head: usize,
    len: usize,
    room: MultiWakerRegistration<READY_WAITERS>,
}

/// A fixed-capacity FIFO of encoded values waiting to be published.
pub(crate) struct OutboundQueue {
    ring: Mutex<Ring>,
    /// Wakes the pump when the queue goes from empty to non-empty.
    pump: Notify,
    /// 1 while the pump holds a value it is handing to rumqttc (so counts add up).
    in_transit: AtomicUsize,
    policy: OverflowPolicy,
}

impl OutboundQueue {
    /// A queue of `capacity` slots, each preallocated for `typical_payload` bytes.
    pub(crate) fn new(capacity: usize, typical_payload: usize, policy: OverflowPolicy) -> Self {
        let slots = (0..capacity)
            .map(|_| Slot {
                link: None,
                payload: Vec::with_capacity(typical_payload),
            })
            .collect();
        OutboundQueue {
            ring: Mutex::new(Ring {
                slots,
                head: 0,
                len: 0,
                room: MultiWakerRegistration::new(),
            }),
            pump: Notify::new(),
            in_transit: AtomicUsize::new(0),
            policy,
        }
    }

    // Queue operations cannot panic half-way (index arithmetic is bounded, copies are
    // plain), so a poisoned lock is reused rather than propagated.
    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Values waiting now, including one the pump is handing to rumqttc.
    pub(crate) fn len(&self) -> usize {
        let ring = self.lock();
        ring.len + self.in_transit.load(Ordering::SeqCst)
    }

    /// `Ready` when a push would not overflow; otherwise registers `cx` for the next pop.
    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut ring = self.lock();
        if ring.len < ring.slots.len() {
            Poll::Ready(())
        } else {
            ring.room.register(cx.waker());
            Poll::Pending
        }
    }

    /// Queue `payload` for `link`, applying the overflow policy when full.
    pub(crate) fn push(
        &self,
        link: &'static OutboundLink,
        payload: &[u8],
    ) -> Result<(), PublishError> {
        let was_empty = {
            let mut ring = self.lock();
            let capacity = ring.slots.len();
            if ring.len == capacity {
                match self.policy {
                    OverflowPolicy::DropNewest => {
                        bump(&link.link.counters.dropped);
                        return Err(PublishError::Full);
                    }
                    OverflowPolicy::DropOldest => {
                        let head = ring.head;
                        if let Some(evicted) = ring.slots[head].link.take() {
                            bump(&evicted.link.counters.dropped);
                        }
                        ring.head = (head + 1) % capacity;
                        ring.len -= 1;
                    }
                }
            }
            let tail = (ring.head + ring.len) % capacity;
            let slot = &mut ring.slots[tail];
            slot.link = Some(link);
            slot.payload.clear();
            slot.payload.extend_from_slice(payload);
            ring.len += 1;
            ring.len == 1
        };
        if was_empty {
            // Notify keeps one permit, so a pump that is about to wait still sees this.
            self.pump.notify_one();
        }
        Ok(())
    }

    /// Take the oldest value: its payload is swapped into `scratch` (no copy, no
    /// allocation), and its link is returned.
    fn pop_into(&self, scratch: &mut Vec<u8>) -> Option<&'static OutboundLink> {
        let mut ring = self.lock();
        if ring.len == 0 {
            return None;
        }
        let head = ring.head;
        let capacity = ring.slots.len();
        let slot = &mut ring.slots[head];
        let link = slot.link.take();
        core::mem::swap(&mut slot.payload, scratch);
        // Under the lock, so `len` never sees the value in neither place.
        self.in_transit.store(1, Ordering::SeqCst);
        ring.head = (head + 1) % capacity;
        ring.len -= 1;
        // Hysteresis: a link task waiting for room is woken once the queue is half empty,
        // not on every pop, so it refills in a batch instead of ping-ponging with the pump
        // one value (and one cross-thread wake-up) at a time.
        if ring.len <= capacity / 2 {
            ring.room.wake();
        }
        link
    }
}

/// The pump task: queue → rumqttc, forever.
///
/// rumqttc's `Publish` owns its topic (`String`) and payload (`Bytes`), so each value costs
/// the two allocations rumqttc's API requires; nothing else here allocates per value.
pub(crate) async fn pump(queue: &'static OutboundQueue, client: rumqttc::AsyncClient) {
    let mut scratch = Vec::new();
    loop {
        let Some(link) = queue.pop_into(&mut scratch) else {
            queue.pump.notified().await;
            continue;
        };
        let payload = Bytes::copy_from_slice(&scratch);
        let topic = &*link.link.topic;
        match client
            .publish_bytes(topic, link.qos, link.retain, payload)
            .await
        {
            Ok(()) => bump(&link.link.counters.sent),
            // The event loop is gone (the runtime is shutting down): nothing can be sent.
            Err(_) => bump(&link.link.counters.dropped),
        }
        queue.in_transit.store(0, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mqtt::routing::Routes;
    use rumqttc::QoS;

    fn link(address: &str) -> &'static OutboundLink {
        let routes = std::boxed::Box::leak(std::boxed::Box::new(Routes::default()));
        routes.outbound(address, None, QoS::AtMostOnce).unwrap()
    }

    #[test]
    fn drop_oldest_keeps_the_newest_and_counts() {
        let queue = OutboundQueue::new(2, 4, OverflowPolicy::DropOldest);
        let a = link("a");
        for v in [b"1", b"2", b"3"] {
            assert_eq!(queue.push(a, v), Ok(()));
        }
        let mut scratch = Vec::new();
        assert!(queue.pop_into(&mut scratch).is_some());
        assert_eq!(scratch, b"2");
        assert!(queue.pop_into(&mut scratch).is_some());
        assert_eq!(scratch, b"3");
        assert!(queue.pop_into(&mut scratch).is_none());
        assert_eq!(a.link.counters.snapshot().dropped, 1);
    }

    #[test]
    fn drop_newest_refuses_and_poll_ready_waits_for_room() {
        let queue = OutboundQueue::new(1, 4, OverflowPolicy::DropNewest);
        let a = link("b");
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        assert_eq!(queue.push(a, b"1"), Ok(()));
        assert_eq!(queue.poll_ready(&mut cx), Poll::Pending);
        assert_eq!(queue.push(a, b"2"), Err(PublishError::Full));
        let mut scratch = Vec::new();
        queue.pop_into(&mut scratch);
        assert_eq!(queue.poll_ready(&mut cx), Poll::Ready(()));
        assert_eq!(queue.push(a, b"3"), Ok(()));
        assert_eq!(a.link.counters.snapshot().dropped, 1);
    }
}
