//! Behaviour every buffer kind shares: producing with no reader, reader slots (exhaustion,
//! release on drop), and async receive woken from another task.

use core::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use aimdb::BufferKind;

use super::{
    Consumer, Producer, RecordBuffer, RecvError, Spawn, SubscribeError, TryRecvError, poll_once,
    until, yield_now,
};

/// Producing into a buffer nobody reads never blocks or fails; a reader subscribing
/// afterwards sees what its kind promises (a ring: only later values; single-latest and
/// mailbox: the value that is there).
pub async fn producer_without_readers<B: RecordBuffer<u32> + Sync>(
    buffer: &'static B,
    _spawn: &'static dyn Spawn,
) {
    let producer = Producer::new(buffer);
    for v in 0..1000 {
        producer.produce(v).await;
    }
    assert_eq!(buffer.peek(), Some(999));
    let mut reader = Consumer::subscribe(buffer).unwrap();
    match buffer.kind() {
        BufferKind::SpmcRing { .. } => assert_eq!(reader.try_recv(), Err(TryRecvError::Empty)),
        BufferKind::SingleLatest | BufferKind::Mailbox => assert_eq!(reader.try_recv(), Ok(999)),
    }
    assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));
    producer.produce(1000);
    assert_eq!(reader.recv().await, Ok(1000));
}

/// With all `R` reader slots taken, subscribing fails with `NoReaderSlot { capacity: R }`;
/// dropping a reader frees its slot.
pub async fn reader_slot_exhaustion<B: RecordBuffer<u32> + Sync>(
    buffer: &'static B,
    _spawn: &'static dyn Spawn,
) {
    let mut readers = Vec::new();
    while let Ok(reader) = Consumer::subscribe(buffer) {
        readers.push(reader);
        assert!(
            readers.len() <= 64,
            "subscribe never runs out of reader slots"
        );
    }
    let capacity = readers.len();
    assert!(capacity >= 1);
    let error = Consumer::subscribe(buffer).unwrap_err();
    assert_eq!(error, SubscribeError::NoReaderSlot { capacity });
    assert_eq!(
        error.to_string(),
        format!("all {capacity} reader slots of this buffer are taken; raise its reader count")
    );
    drop(readers.pop());
    let mut again = Consumer::subscribe(buffer).expect("a dropped reader frees its slot");
    assert!(Consumer::subscribe(buffer).is_err());
    Producer::new(buffer).produce(1);
    assert_eq!(again.try_recv(), Ok(1));
}

/// A reader dropped while it waits (its waker registered) leaves the other reader working,
/// and its slot can be claimed again.
pub async fn dropped_reader_leaves_others<B: RecordBuffer<u32> + Sync>(
    buffer: &'static B,
    spawn: &'static dyn Spawn,
) {
    let producer = Producer::new(buffer);
    let mut dropped = Consumer::subscribe(buffer).unwrap();
    let mut kept = Consumer::subscribe(buffer).unwrap();
    assert!(Consumer::subscribe(buffer).is_err());
    {
        let mut waiting = pin!(dropped.recv());
        assert!(poll_once(&mut waiting).await.is_pending());
    }
    drop(dropped);

    // The kept reader waits in its own task; the value arrives after it went to sleep.
    let got = Arc::new(AtomicBool::new(false));
    let got_in_task = got.clone();
    let waiting = Arc::new(AtomicBool::new(false));
    let waiting_in_task = waiting.clone();
    spawn.spawn(Box::pin(async move {
        let mut next = pin!(kept.recv());
        assert!(poll_once(&mut next).await.is_pending());
        waiting_in_task.store(true, Ordering::Release);
        assert_eq!(next.await, Ok(1));
        got_in_task.store(true, Ordering::Release);
    }));
    until(|| waiting.load(Ordering::Acquire)).await;
    producer.produce(1);
    until(|| got.load(Ordering::Acquire)).await;

    let mut replacement = Consumer::subscribe(buffer).expect("the dropped reader's slot is free");
    producer.produce(2);
    assert_eq!(replacement.recv().await, Ok(2));
}

/// `recv().await` that found nothing is woken by a produce in another task (the erased
/// handles, as user functions receive them, are `Send`).
pub async fn recv_wakes_across_tasks<B: RecordBuffer<u32> + Sync>(
    buffer: &'static B,
    spawn: &'static dyn Spawn,
) {
    let mut reader: Consumer<'static, u32> = Consumer::subscribe(buffer).unwrap().erase();
    let producer: Producer<'static, u32> = Producer::new(buffer).erase();
    for round in 0..3 {
        let mut next = pin!(reader.recv());
        assert!(
            poll_once(&mut next).await.is_pending(),
            "nothing produced yet"
        );
        spawn.spawn(Box::pin(async move {
            // Let the reader's task park first.
            for _ in 0..3 {
                yield_now().await;
            }
            let _ = producer.produce(40 + round).await;
        }));
        assert_eq!(next.await, Ok(40 + round));
    }
}

/// A producer task streams 1..=500 while a reader task awaits each value: the reader sees
/// a strictly increasing sequence ending at the last value, and on a ring values seen plus
/// lag reported equals values produced.
pub async fn stream_across_tasks<B: RecordBuffer<u32> + Sync>(
    buffer: &'static B,
    spawn: &'static dyn Spawn,
) {
    const LAST: u32 = 500;
    let mut reader = Consumer::subscribe(buffer).unwrap();
    let producer = Producer::new(buffer);
    let done = Arc::new(AtomicBool::new(false));
    let done_in_task = done.clone();
    let kind = buffer.kind();
    spawn.spawn(Box::pin(async move {
        let (mut seen, mut lagged, mut last) = (0u64, 0u64, 0u32);
        loop {
            match reader.recv().await {
                Ok(v) => {
                    assert!(v > last, "{v} after {last}");
                    if let BufferKind::SpmcRing { .. } = kind {
                        assert_eq!(
                            u64::from(v),
                            seen + lagged + 1,
                            "no value skipped unreported"
                        );
                    }
                    seen += 1;
                    last = v;
                    if v == LAST {
                        break;
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    assert!(matches!(kind, BufferKind::SpmcRing { .. }));
                    lagged += n;
                }
                Err(e) => panic!("unexpected receive error: {e}"),
            }
        }
        if let BufferKind::SpmcRing { .. } = kind {
            assert_eq!(seen + lagged, u64::from(LAST));
        }
        done_in_task.store(true, Ordering::Release);
    }));
    for v in 1..=LAST {
        producer.produce(v);
        yield_now().await;
    }
    until(|| done.load(Ordering::Acquire)).await;
}
