//! The bounded outbound queue and the pump that feeds rumqttc from it.
//!
//! `publish` copies the payload into a preallocated slot and returns at once: it never
//! blocks and, once each slot's buffer has grown to the payload size (the first lap),
//! never allocates. Overflow follows the record's buffer, as declared with
//! `register_outbound`: a `SingleLatest` or `Mailbox` link keeps at most one queued value
//! (a newer one replaces it), and a full queue makes room for an `SpmcRing` link by
//! dropping that link's oldest value; links never declared, and cases where neither
//! applies, fall back to the connector-wide [`OverflowPolicy`]. Every value that does not
//! go out is counted as dropped on its link. A link task that prefers backpressure to drops waits on `poll_ready`, which is
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
use super::routing::{LinkOverflow, OutboundLink};

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

impl Ring {
    /// The slot holding `link`'s queued value, if its hint still points at one. A slot
    /// holds a link only while its value is queued (pop and eviction take the link out),
    /// so a stale hint simply finds another link or none.
    fn queued_slot(&self, link: &'static OutboundLink) -> Option<usize> {
        let index = link.queued_at.load(Ordering::Relaxed);
        let slot = self.slots.get(index)?;
        slot.link.filter(|held| core::ptr::eq(*held, link))?;
        Some(index)
    }

    /// How far from the head `link`'s oldest queued value is. A scan, but only on
    /// overflow, and it stops at the first match (the head, when one link fills the queue).
    fn oldest_of(&self, link: &'static OutboundLink) -> Option<usize> {
        let capacity = self.slots.len();
        (0..self.len).find(|offset| {
            let held = self.slots[(self.head + offset) % capacity].link;
            held.is_some_and(|held| core::ptr::eq(held, link))
        })
    }

    /// Drop the queued value `offset` places from the head and return its link. The values
    /// before it move up one slot by swapping (payload buffers are kept, nothing is
    /// allocated), so FIFO order is kept; moved `Latest` links follow their slot.
    fn remove(&mut self, offset: usize) -> Option<&'static OutboundLink> {
        let capacity = self.slots.len();
        for k in (1..=offset).rev() {
            let (to, from) = ((self.head + k) % capacity, (self.head + k - 1) % capacity);
            self.slots.swap(to, from);
            if let Some(moved) = self.slots[to].link {
                moved.queued_at.store(to, Ordering::Relaxed);
            }
        }
        let evicted = self.slots[self.head].link.take();
        self.head = (self.head + 1) % capacity;
        self.len -= 1;
        evicted
    }
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

    /// Queue `payload` for `link`. A `Latest` link's new value replaces its queued one; a
    /// full queue makes room per the link's overflow (a `Ring` link drops its own oldest
    /// value) or, when that does not apply, the connector-wide policy. Every value that
    /// does not go out is counted as dropped on its link.
    pub(crate) fn push(
        &self,
        link: &'static OutboundLink,
        payload: &[u8],
    ) -> Result<(), PublishError> {
        let was_empty = {
            let mut ring = self.lock();
            if link.overflow == LinkOverflow::Latest
                && let Some(index) = ring.queued_slot(link)
            {
                // Superseded before it was sent: the queue keeps only the newest value.
                let slot = &mut ring.slots[index];
                slot.payload.clear();
                slot.payload.extend_from_slice(payload);
                bump(&link.link.counters.dropped);
                return Ok(());
            }
            let capacity = ring.slots.len();
            if ring.len == capacity {
                let own_oldest = match link.overflow {
                    LinkOverflow::Ring => ring.oldest_of(link),
                    LinkOverflow::Connector | LinkOverflow::Latest => None,
                };
                match (own_oldest, self.policy) {
                    (Some(offset), _) => {
                        ring.remove(offset);
                        bump(&link.link.counters.dropped);
                    }
                    (None, OverflowPolicy::DropNewest) => {
                        bump(&link.link.counters.dropped);
                        return Err(PublishError::Full);
                    }
                    (None, OverflowPolicy::DropOldest) => {
                        if let Some(evicted) = ring.remove(0) {
                            bump(&evicted.link.counters.dropped);
                        }
                    }
                }
            }
            let tail = (ring.head + ring.len) % capacity;
            let slot = &mut ring.slots[tail];
            slot.link = Some(link);
            slot.payload.clear();
            slot.payload.extend_from_slice(payload);
            link.queued_at.store(tail, Ordering::Relaxed);
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
pub(crate) async fn pump(
    queue: &'static OutboundQueue,
    client: rumqttc::AsyncClient,
    shared: &'static super::Shared,
) {
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
            Ok(()) => {
                bump(&link.link.counters.sent);
                if link.qos != rumqttc::QoS::AtMostOnce {
                    bump(&shared.acknowledged_wanted);
                }
            }
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
    use aimdb_core::BufferKind;
    use rumqttc::QoS;

    fn link(address: &str) -> &'static OutboundLink {
        registered(address, None)
    }

    fn registered(address: &str, kind: Option<BufferKind>) -> &'static OutboundLink {
        let routes = std::boxed::Box::leak(std::boxed::Box::new(Routes::default()));
        routes.outbound(address, kind, QoS::AtMostOnce).unwrap()
    }

    /// Pop everything: `(link address, payload)` in queue order.
    fn drain(queue: &OutboundQueue) -> Vec<(&'static str, Vec<u8>)> {
        let mut out = Vec::new();
        let mut scratch = Vec::new();
        while let Some(link) = queue.pop_into(&mut scratch) {
            out.push((
                &*std::boxed::Box::leak(link.link.topic.clone()),
                scratch.clone(),
            ));
        }
        out
    }

    fn dropped(link: &OutboundLink) -> u64 {
        link.link.counters.snapshot().dropped
    }

    #[test]
    fn a_latest_link_keeps_only_its_newest_value_in_place() {
        let queue = OutboundQueue::new(4, 4, OverflowPolicy::DropNewest);
        let (a, l) = (link("a"), registered("l", Some(BufferKind::SingleLatest)));
        let m = registered("m", Some(BufferKind::Mailbox));
        for (link, v) in [
            (a, b"1"),
            (l, b"1"),
            (a, b"2"),
            (l, b"2"),
            (m, b"1"),
            (l, b"3"),
        ] {
            assert_eq!(queue.push(link, v), Ok(()));
        }
        assert_eq!(queue.push(m, b"2"), Ok(()));
        assert_eq!(
            drain(&queue),
            [
                ("a", b"1".to_vec()),
                ("l", b"3".to_vec()),
                ("a", b"2".to_vec()),
                ("m", b"2".to_vec())
            ]
        );
        assert_eq!((dropped(a), dropped(l), dropped(m)), (0, 2, 1));
        // Once sent, the next value is queued again rather than replacing anything.
        assert_eq!(queue.push(l, b"4"), Ok(()));
        assert_eq!(drain(&queue), [("l", b"4".to_vec())]);
        assert_eq!(dropped(l), 2);
    }

    #[test]
    fn a_full_queue_drops_the_oldest_value_of_a_ring_link() {
        let queue = OutboundQueue::new(3, 4, OverflowPolicy::DropNewest);
        let a = link("a");
        let l = registered("l", Some(BufferKind::SingleLatest));
        let r = registered("r", Some(BufferKind::SpmcRing { capacity: 8 }));
        for (link, v) in [(a, b"1"), (l, b"1"), (r, b"1"), (r, b"2"), (r, b"3")] {
            assert_eq!(queue.push(link, v), Ok(()));
        }
        // r's oldest sat behind a and l, which moved up a slot: l's value is still found.
        assert_eq!(queue.push(l, b"2"), Ok(()));
        assert_eq!(
            drain(&queue),
            [
                ("a", b"1".to_vec()),
                ("l", b"2".to_vec()),
                ("r", b"3".to_vec())
            ]
        );
        assert_eq!((dropped(a), dropped(l), dropped(r)), (0, 1, 2));
    }

    #[test]
    fn links_with_nothing_of_their_own_queued_fall_back_to_the_connector_policy() {
        let queue = OutboundQueue::new(2, 4, OverflowPolicy::DropNewest);
        let a = link("a");
        let r = registered("r", Some(BufferKind::SpmcRing { capacity: 8 }));
        let l = registered("l", Some(BufferKind::SingleLatest));
        assert_eq!(queue.push(a, b"1"), Ok(()));
        assert_eq!(queue.push(a, b"2"), Ok(()));
        assert_eq!(queue.push(r, b"1"), Err(PublishError::Full));
        assert_eq!(queue.push(l, b"1"), Err(PublishError::Full));
        assert_eq!((dropped(a), dropped(r), dropped(l)), (0, 1, 1));

        let queue = OutboundQueue::new(2, 4, OverflowPolicy::DropOldest);
        let (a, r) = (
            link("a"),
            registered("r", Some(BufferKind::SpmcRing { capacity: 8 })),
        );
        for (link, v) in [(a, b"1"), (a, b"2"), (r, b"1")] {
            assert_eq!(queue.push(link, v), Ok(()));
        }
        assert_eq!(drain(&queue), [("a", b"2".to_vec()), ("r", b"1".to_vec())]);
        assert_eq!((dropped(a), dropped(r)), (1, 0));
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
