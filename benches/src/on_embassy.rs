//! The source -> buffer -> tap workload on an embassy executor (`platform-std`, on this
//! thread): ours through a node `topology!{}` emits for embassy (static ring over
//! `CriticalSectionRawMutex`, one `#[task]` per user function), and the raw
//! `PubSubChannel` with the same mutex and the same two tasks. The reference has no
//! embassy runner here, so these rows compare with raw only.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use embassy_executor::{Executor, Spawner};
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::pubsub::{PubSubChannel, WaitResult};

use crate::harness::{RING_CAPACITY, Runner, check, expected_sum, yield_once};

/// Messages the next batch pushes; user functions and tasks take no other arguments.
static BATCH: AtomicU64 = AtomicU64::new(0);
static TAP_SUM: AtomicU64 = AtomicU64::new(0);
static TAP_DONE: AtomicBool = AtomicBool::new(false);
static SOURCE_DONE: AtomicBool = AtomicBool::new(false);

async fn embassy_source(producer: aimdb::Producer<'static, u64>) {
    for i in 0..BATCH.load(Ordering::Relaxed) {
        let _ = producer.produce(black_box(i));
        yield_once().await;
    }
    SOURCE_DONE.store(true, Ordering::Relaxed);
}

async fn embassy_tap(mut consumer: aimdb::Consumer<'static, u64>) {
    let mut sum = 0u64;
    for _ in 0..BATCH.load(Ordering::Relaxed) {
        sum += consumer
            .recv()
            .await
            .expect("the source yields after every value");
    }
    TAP_SUM.store(sum, Ordering::Relaxed);
    TAP_DONE.store(true, Ordering::Relaxed);
}

aimdb::topology! {
    node bench_embassy: embassy;
    builder.configure::<u64>("bench/pipeline-embassy", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 16 })
            .source(embassy_source)
            .tap(embassy_tap)
            .finish();
    });
}

static CHANNEL: PubSubChannel<CriticalSectionRawMutex, u64, RING_CAPACITY, 1, 1> =
    PubSubChannel::new();

#[embassy_executor::task]
async fn raw_source() {
    let publisher = CHANNEL.immediate_publisher();
    for i in 0..BATCH.load(Ordering::Relaxed) {
        publisher.publish_immediate(black_box(i));
        yield_once().await;
    }
    SOURCE_DONE.store(true, Ordering::Relaxed);
}

#[embassy_executor::task]
async fn raw_tap(
    mut subscriber: embassy_sync::pubsub::Subscriber<
        'static,
        CriticalSectionRawMutex,
        u64,
        RING_CAPACITY,
        1,
        1,
    >,
) {
    let mut sum = 0u64;
    for _ in 0..BATCH.load(Ordering::Relaxed) {
        sum += match subscriber.next_message().await {
            WaitResult::Message(v) => v,
            WaitResult::Lagged(k) => panic!("embassy pipeline lagged by {k}"),
        };
    }
    TAP_SUM.store(sum, Ordering::Relaxed);
    TAP_DONE.store(true, Ordering::Relaxed);
}

/// Runs one batch on a fresh executor on this thread until both tasks have returned (their
/// static task-pool slots are then free for the next batch).
fn batch(n: u64, start_tasks: fn(Spawner)) -> std::time::Duration {
    BATCH.store(n, Ordering::Relaxed);
    TAP_DONE.store(false, Ordering::Relaxed);
    SOURCE_DONE.store(false, Ordering::Relaxed);
    // One small executor per batch (its run loop borrows it for 'static).
    let executor: &'static mut Executor = Box::leak(Box::new(Executor::new()));
    let start = Instant::now();
    executor.run_until(start_tasks, || {
        TAP_DONE.load(Ordering::Relaxed) && SOURCE_DONE.load(Ordering::Relaxed)
    });
    let elapsed = start.elapsed();
    check(
        "embassy pipeline sum",
        TAP_SUM.load(Ordering::Relaxed),
        expected_sum(n),
    );
    elapsed
}

/// Ours: the node `topology!` emitted for embassy.
pub fn ours_pipeline() -> Runner {
    Box::new(|n| {
        batch(n, |spawner| {
            bench_embassy::spawn(spawner, bench_embassy::Links {})
        })
    })
}

/// Raw: `PubSubChannel` between two embassy tasks.
pub fn raw_pipeline() -> Runner {
    Box::new(|n| {
        batch(n, |spawner| {
            spawner.spawn(raw_tap(CHANNEL.subscriber().unwrap()).unwrap());
            spawner.spawn(raw_source().unwrap());
        })
    })
}
