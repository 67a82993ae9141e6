//! `SingleLatest`: intermediate values collapse, a late subscriber sees the current value
//! once, `peek` does not consume, every reader sees the newest value.

use core::pin::pin;

use super::{Consumer, Producer, RawMutex, SingleLatest, Spawn, TryRecvError, poll_once};

/// Three values produced between two reads arrive as the last one, once.
pub async fn collapses<M: RawMutex + Sync>(
    latest: &'static SingleLatest<M, u32, 2>,
    _spawn: &'static dyn Spawn,
) {
    let producer = Producer::new(latest);
    let mut reader = Consumer::subscribe(latest).unwrap();
    for v in 1..=3 {
        producer.produce(v).await;
    }
    assert_eq!(latest.produced(), 3);
    assert_eq!(reader.recv().await, Ok(3));
    assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));
    assert!(poll_once(&mut pin!(reader.recv())).await.is_pending());
    producer.produce(4);
    producer.produce(5);
    assert_eq!(reader.try_recv(), Ok(5));
    assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));
}

/// A reader that subscribes after a value exists gets that value once; one that subscribed
/// before any value waits for the first.
pub async fn late_subscriber_sees_value_once<M: RawMutex + Sync>(
    latest: &'static SingleLatest<M, u32, 2>,
    _spawn: &'static dyn Spawn,
) {
    let producer = Producer::new(latest);
    let mut early = Consumer::subscribe(latest).unwrap();
    assert_eq!(early.try_recv(), Err(TryRecvError::Empty));
    assert!(poll_once(&mut pin!(early.recv())).await.is_pending());
    producer.produce(5);
    let mut late = Consumer::subscribe(latest).unwrap();
    assert_eq!(late.recv().await, Ok(5));
    assert_eq!(late.try_recv(), Err(TryRecvError::Empty));
    assert!(poll_once(&mut pin!(late.recv())).await.is_pending());
    assert_eq!(early.try_recv(), Ok(5));
    assert_eq!(early.try_recv(), Err(TryRecvError::Empty));
}

/// `peek` returns the current value as often as asked and leaves it unread for readers.
pub async fn peek_does_not_consume<M: RawMutex + Sync>(
    latest: &'static SingleLatest<M, u32, 2>,
    _spawn: &'static dyn Spawn,
) {
    let producer = Producer::new(latest);
    let mut reader = Consumer::subscribe(latest).unwrap();
    assert_eq!(reader.peek(), None);
    producer.produce(9);
    assert_eq!(reader.peek(), Some(9));
    assert_eq!(reader.peek(), Some(9));
    assert_eq!(reader.try_recv(), Ok(9));
    // Reading does not clear the value either: it is the current state.
    assert_eq!(reader.peek(), Some(9));
    assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));
}

/// Every reader sees each newest value (fan-out), independently of the others.
pub async fn fans_out<M: RawMutex + Sync>(
    latest: &'static SingleLatest<M, u32, 2>,
    _spawn: &'static dyn Spawn,
) {
    let producer = Producer::new(latest);
    let mut a = Consumer::subscribe(latest).unwrap();
    let mut b = Consumer::subscribe(latest).unwrap();
    producer.produce(1);
    assert_eq!(a.try_recv(), Ok(1));
    producer.produce(2);
    assert_eq!(a.try_recv(), Ok(2));
    assert_eq!(b.recv().await, Ok(2));
    assert_eq!(a.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(b.try_recv(), Err(TryRecvError::Empty));
}
