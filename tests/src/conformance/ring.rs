//! `SpmcRing`: never blocks, overwrites the oldest, independent cursors, `Lagged(n)` once,
//! exact capacity.

use core::pin::pin;

use super::{Consumer, Producer, RawMutex, RecvError, Spawn, SpmcRing, TryRecvError, poll_once};

/// Capacity 4, ten pushes: `Lagged(6), 6, 7, 8, 9`, then empty, on both receive paths; the
/// lag is reported once and later values arrive without one.
pub async fn lagged_once_then_oldest<M: RawMutex + Sync>(
    ring: &'static SpmcRing<M, u32, 4, 2>,
    _spawn: &'static dyn Spawn,
) {
    let mut polled = Consumer::subscribe(ring).unwrap();
    let mut awaited = Consumer::subscribe(ring).unwrap();
    let producer = Producer::new(ring);
    for v in 0..10 {
        // Producing never blocks, even though neither reader has read anything.
        producer.produce(v).await;
    }
    assert_eq!(ring.produced(), 10);

    assert_eq!(polled.try_recv(), Err(TryRecvError::Lagged(6)));
    for v in 6..10 {
        assert_eq!(polled.try_recv(), Ok(v));
    }
    assert_eq!(polled.try_recv(), Err(TryRecvError::Empty));

    assert_eq!(awaited.recv().await, Err(RecvError::Lagged(6)));
    for v in 6..10 {
        assert_eq!(awaited.recv().await, Ok(v));
    }
    assert!(poll_once(&mut pin!(awaited.recv())).await.is_pending());

    // Caught up: the next values come without another lag report.
    producer.produce(10);
    producer.produce(11);
    assert_eq!(polled.try_recv(), Ok(10));
    assert_eq!(polled.try_recv(), Ok(11));
    assert_eq!(awaited.recv().await, Ok(10));
    assert_eq!(awaited.recv().await, Ok(11));
}

/// Each reader has its own cursor: one reader lagging does not move another, and a reader
/// subscribing later starts at the next value.
pub async fn independent_cursors<M: RawMutex + Sync>(
    ring: &'static SpmcRing<M, u32, 8, 3>,
    _spawn: &'static dyn Spawn,
) {
    let producer = Producer::new(ring);
    let mut fast = Consumer::subscribe(ring).unwrap();
    let mut slow = Consumer::subscribe(ring).unwrap();
    for v in 0..3 {
        producer.produce(v);
    }
    for v in 0..3 {
        assert_eq!(fast.try_recv(), Ok(v));
    }
    let mut late = Consumer::subscribe(ring).unwrap();
    assert_eq!(late.try_recv(), Err(TryRecvError::Empty));

    // 11 values in a ring of 8: 0, 1, 2 are gone. `fast` already read them, `slow` did not.
    for v in 3..11 {
        producer.produce(v);
    }
    for v in 3..11 {
        assert_eq!(fast.try_recv(), Ok(v));
    }
    assert_eq!(fast.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(slow.try_recv(), Err(TryRecvError::Lagged(3)));
    for v in 3..11 {
        assert_eq!(slow.recv().await, Ok(v));
    }
    for v in 3..11 {
        assert_eq!(late.try_recv(), Ok(v));
    }
    assert_eq!(late.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(ring.readers(), 3);
}

/// A ring of 5 holds exactly 5 values: not rounded up to 8.
pub async fn capacity_is_exact<M: RawMutex + Sync>(
    ring: &'static SpmcRing<M, u32, 5, 1>,
    _spawn: &'static dyn Spawn,
) {
    assert_eq!(ring.capacity(), 5);
    let producer = Producer::new(ring);
    let mut reader = Consumer::subscribe(ring).unwrap();
    for v in 0..5 {
        producer.produce(v);
    }
    for v in 0..5 {
        assert_eq!(reader.try_recv(), Ok(v));
    }
    // Six more: one more than fits, so exactly one is lost.
    for v in 5..11 {
        producer.produce(v);
    }
    assert_eq!(reader.try_recv(), Err(TryRecvError::Lagged(1)));
    for v in 6..11 {
        assert_eq!(reader.try_recv(), Ok(v));
    }
    assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));
}

/// Capacity 1: every value not read before the next one is a lag of one.
pub async fn capacity_one<M: RawMutex + Sync>(
    ring: &'static SpmcRing<M, u32, 1, 1>,
    _spawn: &'static dyn Spawn,
) {
    let producer = Producer::new(ring);
    let mut reader = Consumer::subscribe(ring).unwrap();
    producer.produce(7);
    assert_eq!(reader.recv().await, Ok(7));
    assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));
    producer.produce(8);
    producer.produce(9);
    assert_eq!(reader.recv().await, Err(RecvError::Lagged(1)));
    assert_eq!(reader.recv().await, Ok(9));
    assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));
    producer.produce(10);
    producer.produce(11);
    producer.produce(12);
    assert_eq!(reader.try_recv(), Err(TryRecvError::Lagged(2)));
    assert_eq!(reader.try_recv(), Ok(12));
    assert_eq!(reader.peek(), Some(12));
}

/// `peek` shows the newest value and consumes nothing, also across the wrap-around.
pub async fn peek_is_newest<M: RawMutex + Sync>(
    ring: &'static SpmcRing<M, u32, 4, 1>,
    _spawn: &'static dyn Spawn,
) {
    let producer = Producer::new(ring);
    let mut reader = Consumer::subscribe(ring).unwrap();
    assert_eq!(reader.peek(), None);
    for v in 0..3 {
        producer.produce(v);
    }
    assert_eq!(reader.peek(), Some(2));
    assert_eq!(reader.peek(), Some(2));
    assert_eq!(reader.try_recv(), Ok(0));
    assert_eq!(reader.try_recv(), Ok(1));
    // Past the wrap-around: 6 values in a ring of 4, newest at index 1.
    for v in 3..6 {
        producer.produce(v);
    }
    assert_eq!(reader.peek(), Some(5));
    for v in 2..6 {
        assert_eq!(reader.try_recv(), Ok(v));
    }
    assert_eq!(reader.peek(), Some(5));
}

/// A reader created before the first value sees it; one created after sees only what
/// follows.
pub async fn reader_before_and_after_first_value<M: RawMutex + Sync>(
    ring: &'static SpmcRing<M, u32, 4, 2>,
    _spawn: &'static dyn Spawn,
) {
    let producer = Producer::new(ring);
    let mut early = Consumer::subscribe(ring).unwrap();
    assert_eq!(early.try_recv(), Err(TryRecvError::Empty));
    producer.produce(1);
    let mut late = Consumer::subscribe(ring).unwrap();
    assert_eq!(late.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(early.recv().await, Ok(1));
    producer.produce(2);
    assert_eq!(early.recv().await, Ok(2));
    assert_eq!(late.recv().await, Ok(2));
    assert_eq!(early.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(late.try_recv(), Err(TryRecvError::Empty));
}
