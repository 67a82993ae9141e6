//! Unit tests of the buffers' internals: waker bookkeeping, `NoopRawMutex` buffers through
//! the handles, and (feature `std`) buffers shared by threads over `StdRawMutex`. These are
//! the tests `scripts/miri.sh` runs under miri, so the thread counts stay small there.

extern crate std;

// Links the host implementation of critical sections (`CriticalSectionRawMutex`).
use critical_section as _;

use core::future::Future;
use core::pin::pin;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::task::{Context, Poll, Waker};
use std::sync::Arc;
use std::task::Wake;

use crate::mutex::NoopRawMutex;
use crate::{Consumer, Mailbox, Producer, RecvError, SingleLatest, SpmcRing, TryRecvError};

/// A waker that counts its wake-ups.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker::default());
    (counter.clone(), Waker::from(counter))
}

fn poll<F: Future>(future: core::pin::Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

#[test]
fn noop_mutex_buffers_work_through_the_handles() {
    let ring: SpmcRing<NoopRawMutex, u32, 4, 1> = SpmcRing::new();
    let mut reader = Consumer::subscribe(&ring).unwrap();
    let producer = Producer::new(&ring);
    for v in 0..10 {
        producer.produce(v);
    }
    assert_eq!(reader.try_recv(), Err(TryRecvError::Lagged(6)));
    for v in 6..10 {
        assert_eq!(reader.try_recv(), Ok(v));
    }
    assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));

    let latest: SingleLatest<NoopRawMutex, u32> = SingleLatest::new();
    Producer::new(&latest).produce(3);
    assert_eq!(Consumer::subscribe(&latest).unwrap().try_recv(), Ok(3));

    let mailbox: Mailbox<NoopRawMutex, u32> = Mailbox::new();
    Producer::new(&mailbox).produce(4);
    assert_eq!(Consumer::subscribe(&mailbox).unwrap().try_recv(), Ok(4));
}

#[test]
fn produce_wakes_a_waiting_reader_once() {
    let ring: SpmcRing<NoopRawMutex, u32, 4, 2> = SpmcRing::new();
    let mut reader = Consumer::subscribe(&ring).unwrap();
    let (count, waker) = counting_waker();
    {
        let mut next = pin!(reader.recv());
        assert!(poll(next.as_mut(), &waker).is_pending());
        // Polling again with the same waker does not register a second wake-up.
        assert!(poll(next.as_mut(), &waker).is_pending());
        Producer::new(&ring).produce(1);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        // The waker was consumed: a second value does not wake a reader that is not waiting.
        Producer::new(&ring).produce(2);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(poll(next.as_mut(), &waker), Poll::Ready(Ok(1)));
    }
    assert_eq!(reader.try_recv(), Ok(2));
}

#[test]
fn replaced_and_released_wakers_keep_the_waiting_readers_exact() {
    let mailbox: Mailbox<NoopRawMutex, u32, 3> = Mailbox::new();
    let (first_count, first) = counting_waker();
    let (old_count, old) = counting_waker();
    let (new_count, new) = counting_waker();
    let mut a = Consumer::subscribe(&mailbox).unwrap();
    let mut b = Consumer::subscribe(&mailbox).unwrap();
    {
        let mut next = pin!(a.recv());
        assert!(poll(next.as_mut(), &first).is_pending());
    }
    {
        // B waits with one waker, then with another: only the newer one is kept.
        let mut next = pin!(b.recv());
        assert!(poll(next.as_mut(), &old).is_pending());
        assert!(poll(next.as_mut(), &new).is_pending());
    }
    drop(a);
    Producer::new(&mailbox).produce(1);
    let counts = |c: &Arc<CountingWaker>| c.0.load(Ordering::SeqCst);
    assert_eq!(
        (counts(&first_count), counts(&old_count), counts(&new_count)),
        (0, 0, 1)
    );
    // Nobody waits now: the next value wakes no one, and B still takes it.
    Producer::new(&mailbox).produce(2);
    assert_eq!(counts(&new_count), 1);
    assert_eq!(b.try_recv(), Ok(2));
    // B waits again and is woken again.
    {
        let mut next = pin!(b.recv());
        assert!(poll(next.as_mut(), &new).is_pending());
        Producer::new(&mailbox).produce(3);
        assert_eq!(counts(&new_count), 2);
        assert_eq!(poll(next.as_mut(), &new), Poll::Ready(Ok(3)));
    }
}

#[test]
fn a_dropped_reader_is_not_woken_and_frees_its_slot() {
    let latest: SingleLatest<NoopRawMutex, u32, 1> = SingleLatest::new();
    let (count, waker) = counting_waker();
    let mut reader = Consumer::subscribe(&latest).unwrap();
    {
        let mut next = pin!(reader.recv());
        assert!(poll(next.as_mut(), &waker).is_pending());
    }
    drop(reader);
    Producer::new(&latest).produce(1);
    assert_eq!(count.0.load(Ordering::SeqCst), 0);
    let mut again = Consumer::subscribe(&latest).unwrap();
    assert_eq!(again.try_recv(), Ok(1));
}

#[test]
fn a_lagged_ring_reader_resumes_at_the_oldest_value_after_wrapping() {
    // Lag at every phase of the write index, to cover the index the cursor jumps to.
    for skew in 0..3u32 {
        let ring: SpmcRing<NoopRawMutex, u32, 3, 1> = SpmcRing::new();
        let producer = Producer::new(&ring);
        for v in 0..skew {
            producer.produce(v);
        }
        let mut reader = Consumer::subscribe(&ring).unwrap();
        for v in skew..skew + 8 {
            producer.produce(v);
        }
        {
            let mut next = pin!(reader.recv());
            assert_eq!(
                poll(next.as_mut(), Waker::noop()),
                Poll::Ready(Err(RecvError::Lagged(5)))
            );
        }
        for v in skew + 5..skew + 8 {
            assert_eq!(reader.try_recv(), Ok(v), "skew {skew}");
        }
        assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));
    }
}

#[test]
fn erased_handles_keep_the_reader_slot() {
    let ring: SpmcRing<crate::mutex::CriticalSectionRawMutex, u32, 2, 1> = SpmcRing::new();
    let mut reader: Consumer<'_, u32> = Consumer::subscribe(&ring).unwrap().erase();
    assert_eq!(ring.readers(), 1);
    let producer: Producer<'_, u32> = Producer::new(&ring).erase();
    producer.produce(5);
    assert_eq!(reader.try_recv(), Ok(5));
    drop(reader);
    assert_eq!(ring.readers(), 0);
}

mod reentry;
#[cfg(feature = "std")]
mod threads;
