//! `Mailbox`: one slot, overwritten, taken on read; readers compete (no fan-out).

use core::pin::pin;
use std::sync::{Arc, Mutex};

use super::{
    Consumer, Mailbox, Producer, RawMutex, RecordBuffer, Spawn, TryRecvError, poll_once, until,
};

/// A second instruction replaces one nobody took; reading takes it.
pub async fn overwrites_and_is_taken_on_read<M: RawMutex + Sync>(
    mailbox: &'static Mailbox<M, u32, 2>,
    _spawn: &'static dyn Spawn,
) {
    let producer = Producer::new(mailbox);
    let mut reader = Consumer::subscribe(mailbox).unwrap();
    assert_eq!(reader.peek(), None);
    producer.produce(1).await;
    producer.produce(2).await;
    assert_eq!(mailbox.produced(), 2);
    // `peek` shows the pending instruction without taking it.
    assert_eq!(reader.peek(), Some(2));
    assert_eq!(reader.recv().await, Ok(2));
    assert_eq!(reader.peek(), None);
    assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));
    assert!(poll_once(&mut pin!(reader.recv())).await.is_pending());
    producer.produce(3);
    assert_eq!(reader.try_recv(), Ok(3));
    assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));
}

/// The first reader to read takes the instruction; the other finds the slot empty.
pub async fn readers_compete<M: RawMutex + Sync>(
    mailbox: &'static Mailbox<M, u32, 2>,
    _spawn: &'static dyn Spawn,
) {
    let producer = Producer::new(mailbox);
    let mut a = Consumer::subscribe(mailbox).unwrap();
    let mut b = Consumer::subscribe(mailbox).unwrap();
    producer.produce(1);
    assert_eq!(a.try_recv(), Ok(1));
    assert_eq!(b.try_recv(), Err(TryRecvError::Empty));
    producer.produce(2);
    assert_eq!(b.recv().await, Ok(2));
    assert_eq!(a.try_recv(), Err(TryRecvError::Empty));
}

/// Two reader tasks wait on one mailbox; 100 instructions, each produced once the previous
/// one was taken, are each delivered to exactly one of them.
pub async fn no_fan_out_across_tasks<M: RawMutex + Sync>(
    mailbox: &'static Mailbox<M, u32, 2>,
    spawn: &'static dyn Spawn,
) {
    const STOP: u32 = u32::MAX;
    let received: Arc<Mutex<[Vec<u32>; 2]>> = Arc::new(Mutex::new([Vec::new(), Vec::new()]));
    for reader_index in 0..2 {
        let mut reader = Consumer::subscribe(mailbox).unwrap();
        let received = received.clone();
        spawn.spawn(Box::pin(async move {
            loop {
                let value = reader.recv().await.unwrap();
                if value == STOP {
                    break;
                }
                received.lock().unwrap()[reader_index].push(value);
            }
        }));
    }
    let taken = || {
        let lists = received.lock().unwrap();
        lists[0].len() + lists[1].len()
    };
    let producer = Producer::new(mailbox);
    for v in 0..100 {
        producer.produce(v);
        until(|| taken() == v as usize + 1).await;
    }
    // One stop instruction per reader; each is taken by one reader, which then leaves.
    for _ in 0..2 {
        producer.produce(STOP);
        until(|| mailbox.peek().is_none()).await;
    }
    let lists = received.lock().unwrap();
    let mut all: Vec<u32> = lists.iter().flatten().copied().collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..100).collect::<Vec<_>>(),
        "each instruction exactly once"
    );
    for list in lists.iter() {
        assert!(list.windows(2).all(|w| w[0] < w[1]), "in order: {list:?}");
    }
}
