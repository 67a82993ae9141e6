//! Ours: aimdb-core's static buffers through `Producer` / `Consumer` handles.
//!
//! `*_erased` measures what user code holds (`Producer<'static, T>` and
//! `Consumer<'static, T>`, buffer type erased behind `dyn RecordBuffer<T> + Sync`); the
//! others name the concrete buffer, as generated glue can, and as a buffer over
//! `NoopRawMutex` (not `Sync`, so not erasable) requires.

use std::hint::black_box;
use std::time::Instant;

use aimdb_core::mutex::RawMutex;
use aimdb_core::{Consumer, Mailbox, Producer, RecordBuffer, SingleLatest, SpmcRing};

use crate::harness::{RING_CAPACITY, Runner, check, current_thread, expected_sum, yield_once};

/// Our buffers live in `static`s in generated code; a leaked box is the same thing for a
/// runner built at run time (one allocation at setup, never per message).
fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

type Ring<M, const R: usize> = SpmcRing<M, u64, RING_CAPACITY, R>;

/// Handles that name the concrete buffer.
fn concrete<B: RecordBuffer<u64> + 'static, const R: usize>(buffer: &'static B) -> Runner {
    if R == 1 {
        return push_then_receive_one(Producer::new(buffer), Consumer::subscribe(buffer).unwrap());
    }
    push_then_receive(
        Producer::new(buffer),
        core::array::from_fn::<_, R, _>(|_| Consumer::subscribe(buffer).unwrap()),
    )
}

/// Handles with the buffer type erased, as user functions receive them.
fn erased<B: RecordBuffer<u64> + Sync + 'static, const R: usize>(buffer: &'static B) -> Runner {
    if R == 1 {
        return push_then_receive_one(
            Producer::new(buffer).erase(),
            Consumer::subscribe(buffer).unwrap().erase(),
        );
    }
    push_then_receive(
        Producer::new(buffer).erase(),
        core::array::from_fn::<_, R, _>(|_| Consumer::subscribe(buffer).unwrap().erase()),
    )
}

/// Ring of 16, one reader, concrete handles: one push, one receive per message.
pub fn ring1<M: RawMutex + 'static>() -> Runner {
    concrete::<_, 1>(leak(Ring::<M, 1>::new()))
}

/// Ring of 16, one reader, erased handles.
pub fn ring1_erased<M: RawMutex + Sync + 'static>() -> Runner {
    erased::<_, 1>(leak(Ring::<M, 1>::new()))
}

/// Ring of 16, four readers, concrete handles: one push, four receives per message.
pub fn ring4<M: RawMutex + 'static>() -> Runner {
    concrete::<_, 4>(leak(Ring::<M, 4>::new()))
}

/// Ring of 16, four readers, erased handles.
pub fn ring4_erased<M: RawMutex + Sync + 'static>() -> Runner {
    erased::<_, 4>(leak(Ring::<M, 4>::new()))
}

/// Single-latest, one reader, concrete handles.
pub fn latest<M: RawMutex + 'static>() -> Runner {
    concrete::<_, 1>(leak(SingleLatest::<M, u64, 1>::new()))
}

/// Single-latest, one reader, erased handles.
pub fn latest_erased<M: RawMutex + Sync + 'static>() -> Runner {
    erased::<_, 1>(leak(SingleLatest::<M, u64, 1>::new()))
}

/// Mailbox, one reader, concrete handles.
pub fn mailbox<M: RawMutex + 'static>() -> Runner {
    concrete::<_, 1>(leak(Mailbox::<M, u64, 1>::new()))
}

/// Mailbox, one reader, erased handles.
pub fn mailbox_erased<M: RawMutex + Sync + 'static>() -> Runner {
    erased::<_, 1>(leak(Mailbox::<M, u64, 1>::new()))
}

/// The buffer-level loop of the one-reader workloads: the same loop shape as every other
/// system's one-reader case (no loop over readers around the `.await`).
fn push_then_receive_one<B>(
    producer: Producer<'static, u64, B>,
    mut reader: Consumer<'static, u64, B>,
) -> Runner
where
    B: ?Sized + RecordBuffer<u64> + 'static,
{
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async {
            let start = Instant::now();
            for i in 0..n {
                let _ = producer.produce(black_box(i));
                let got = reader.recv().await.expect("one push, one read: no lag");
                check("ours", black_box(got), i);
            }
            start.elapsed()
        })
    })
}

/// The buffer-level loop of the four-reader workload. by the four buffer workloads.
fn push_then_receive<B, const R: usize>(
    producer: Producer<'static, u64, B>,
    mut readers: [Consumer<'static, u64, B>; R],
) -> Runner
where
    B: ?Sized + RecordBuffer<u64> + 'static,
{
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async {
            let start = Instant::now();
            for i in 0..n {
                let _ = producer.produce(black_box(i));
                for reader in readers.iter_mut() {
                    let got = reader.recv().await.expect("one push, one read: no lag");
                    check("ours", black_box(got), i);
                }
            }
            start.elapsed()
        })
    })
}

/// The tap every pipeline variant runs: receive `n` values and add them up.
async fn tap<B: ?Sized + RecordBuffer<u64>>(mut consumer: Consumer<'_, u64, B>, n: u64) -> u64 {
    let mut sum = 0u64;
    for _ in 0..n {
        sum += consumer
            .recv()
            .await
            .expect("the source yields after every value");
    }
    sum
}

/// The source every pipeline variant runs: produce `n` values, yielding after each one.
async fn source<B: ?Sized + RecordBuffer<u64>>(producer: Producer<'_, u64, B>, n: u64) {
    for i in 0..n {
        let _ = producer.produce(black_box(i));
        yield_once().await;
    }
}

/// Source task -> ring -> tap task on the tokio current-thread scheduler (`tokio::spawn`),
/// with a thread-safe mutex, erased handles as user functions receive them. Stands in for
/// the tasks `topology!` emits until that macro lands.
pub fn pipeline<M: RawMutex + Sync + Send + 'static>() -> Runner
where
    Ring<M, 1>: RecordBuffer<u64>,
{
    let ring = leak(Ring::<M, 1>::new());
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async move {
            let consumer = Consumer::subscribe(ring).unwrap().erase();
            let producer = Producer::new(ring).erase();
            let tap = tokio::spawn(tap(consumer, n));
            let source = tokio::spawn(source(producer, n));
            let start = Instant::now();
            let sum = tap.await.expect("tap task");
            source.await.expect("source task");
            let elapsed = start.elapsed();
            check("ours pipeline sum", sum, expected_sum(n));
            elapsed
        })
    })
}

/// The same with `NoopRawMutex`: the buffer is not `Sync`, so both tasks are
/// `spawn_local`ed on a `LocalSet`.
pub fn pipeline_local() -> Runner {
    use aimdb_core::mutex::NoopRawMutex;
    let ring = leak(Ring::<NoopRawMutex, 1>::new());
    let rt = current_thread();
    Box::new(move |n| {
        let local = tokio::task::LocalSet::new();
        local.block_on(&rt, async move {
            let consumer = Consumer::subscribe(ring).unwrap();
            let producer = Producer::new(ring);
            let tap = tokio::task::spawn_local(tap(consumer, n));
            let source = tokio::task::spawn_local(source(producer, n));
            let start = Instant::now();
            let sum = tap.await.expect("tap task");
            source.await.expect("source task");
            let elapsed = start.elapsed();
            check("ours pipeline sum", sum, expected_sum(n));
            elapsed
        })
    })
}

/// Source and tap as two futures joined in ONE task (`tokio::join!` inside `block_on`),
/// concrete handles over `NoopRawMutex`: what a compiled topology could emit for a
/// single-executor node instead of two spawned tasks. Not a headline figure (the other
/// systems' pipelines use two tasks); it shows what the task switch costs.
pub fn pipeline_joined() -> Runner {
    use aimdb_core::mutex::NoopRawMutex;
    let ring = leak(Ring::<NoopRawMutex, 1>::new());
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async move {
            let consumer = Consumer::subscribe(ring).unwrap();
            let producer = Producer::new(ring);
            let start = Instant::now();
            let (sum, ()) = tokio::join!(tap(consumer, n), source(producer, n));
            let elapsed = start.elapsed();
            check("ours joined pipeline sum", sum, expected_sum(n));
            elapsed
        })
    })
}
