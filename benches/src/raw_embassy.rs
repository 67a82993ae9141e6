//! Raw embassy-sync primitives with the same semantics as each buffer, run on the same
//! tokio current-thread runtime as every other case.

use std::hint::black_box;
use std::time::Instant;

use embassy_sync::blocking_mutex::raw::{NoopRawMutex, RawMutex};
use embassy_sync::pubsub::{PubSubChannel, Subscriber, WaitResult};
use embassy_sync::signal::Signal;
use embassy_sync::watch::Watch;

use crate::harness::{RING_CAPACITY, Runner, check, current_thread, expected_sum, yield_once};

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

type Channel<M, const SUBS: usize> = PubSubChannel<M, u64, RING_CAPACITY, SUBS, 1>;

/// `PubSubChannel` of 16, one subscriber, `publish_immediate` (overwrites the oldest).
pub fn ring1<M: RawMutex + 'static>() -> Runner {
    pubsub_case::<M, 1>()
}

/// `PubSubChannel` of 16, four subscribers.
pub fn ring4<M: RawMutex + 'static>() -> Runner {
    pubsub_case::<M, 4>()
}

fn pubsub_case<M: RawMutex + 'static, const SUBS: usize>() -> Runner {
    let channel = leak(Channel::<M, SUBS>::new());
    let publisher = channel.immediate_publisher();
    if SUBS == 1 {
        let mut reader = channel.subscriber().unwrap();
        let rt = current_thread();
        return Box::new(move |n| {
            rt.block_on(async {
                let start = Instant::now();
                for i in 0..n {
                    publisher.publish_immediate(black_box(i));
                    let got = match reader.next_message().await {
                        WaitResult::Message(v) => v,
                        WaitResult::Lagged(k) => panic!("embassy pubsub lagged by {k}"),
                    };
                    check("embassy pubsub", black_box(got), i);
                }
                start.elapsed()
            })
        });
    }
    let mut readers: [_; SUBS] = core::array::from_fn(|_| channel.subscriber().unwrap());
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async {
            let start = Instant::now();
            for i in 0..n {
                publisher.publish_immediate(black_box(i));
                for reader in readers.iter_mut() {
                    let got = match reader.next_message().await {
                        WaitResult::Message(v) => v,
                        WaitResult::Lagged(k) => panic!("embassy pubsub lagged by {k}"),
                    };
                    check("embassy pubsub", black_box(got), i);
                }
            }
            start.elapsed()
        })
    })
}

/// `Watch` with one receiver: send, then `changed().await`.
pub fn latest<M: RawMutex + 'static>() -> Runner {
    let watch = leak(Watch::<M, u64, 1>::new());
    let sender = watch.sender();
    let mut receiver = watch.receiver().unwrap();
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async {
            let start = Instant::now();
            for i in 0..n {
                sender.send(black_box(i));
                let got = receiver.changed().await;
                check("embassy watch", black_box(got), i);
            }
            start.elapsed()
        })
    })
}

/// `Signal`: overwrite, taken by `wait().await`.
pub fn mailbox<M: RawMutex + 'static>() -> Runner {
    let signal = leak(Signal::<M, u64>::new());
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async {
            let start = Instant::now();
            for i in 0..n {
                signal.signal(black_box(i));
                let got = signal.wait().await;
                check("embassy signal", black_box(got), i);
            }
            start.elapsed()
        })
    })
}

async fn tap<M: RawMutex>(
    mut subscriber: Subscriber<'static, M, u64, RING_CAPACITY, 1, 1>,
    n: u64,
) -> u64 {
    let mut sum = 0u64;
    for _ in 0..n {
        sum += match subscriber.next_message().await {
            WaitResult::Message(v) => v,
            WaitResult::Lagged(k) => panic!("embassy pipeline lagged by {k}"),
        };
    }
    sum
}

async fn source<M: RawMutex>(channel: &Channel<M, 1>, n: u64) {
    let publisher = channel.immediate_publisher();
    for i in 0..n {
        publisher.publish_immediate(black_box(i));
        yield_once().await;
    }
}

/// Source task -> `PubSubChannel` of 16 -> tap task, both `tokio::spawn`ed.
pub fn pipeline<M: RawMutex + Sync + Send + 'static>() -> Runner {
    let channel = leak(Channel::<M, 1>::new());
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async move {
            let tap = tokio::spawn(tap(channel.subscriber().unwrap(), n));
            let source = tokio::spawn(source(channel, n));
            let start = Instant::now();
            let sum = tap.await.expect("tap task");
            source.await.expect("source task");
            let elapsed = start.elapsed();
            check("embassy pipeline sum", sum, expected_sum(n));
            elapsed
        })
    })
}

/// The same with `NoopRawMutex`, both tasks `spawn_local`ed on a `LocalSet`.
pub fn pipeline_local() -> Runner {
    let channel = leak(Channel::<NoopRawMutex, 1>::new());
    let rt = current_thread();
    Box::new(move |n| {
        let local = tokio::task::LocalSet::new();
        local.block_on(&rt, async move {
            let tap = tokio::task::spawn_local(tap(channel.subscriber().unwrap(), n));
            let source = tokio::task::spawn_local(source(channel, n));
            let start = Instant::now();
            let sum = tap.await.expect("tap task");
            source.await.expect("source task");
            let elapsed = start.elapsed();
            check("embassy pipeline sum", sum, expected_sum(n));
            elapsed
        })
    })
}
