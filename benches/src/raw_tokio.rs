//! Raw tokio primitives with the same semantics as each buffer.

use std::hint::black_box;
use std::sync::Mutex;
use std::time::Instant;

use tokio::sync::{Notify, broadcast, watch};

use crate::harness::{RING_CAPACITY, Runner, check, current_thread, expected_sum, yield_once};

/// `broadcast` of 16, one receiver.
pub fn ring1() -> Runner {
    broadcast_case::<1>()
}

/// `broadcast` of 16, four receivers.
pub fn ring4() -> Runner {
    broadcast_case::<4>()
}

fn broadcast_case<const R: usize>() -> Runner {
    let (tx, mut rx) = broadcast::channel::<u64>(RING_CAPACITY);
    if R == 1 {
        let rt = current_thread();
        return Box::new(move |n| {
            rt.block_on(async {
                let start = Instant::now();
                for i in 0..n {
                    let _ = tx.send(black_box(i));
                    let got = rx.recv().await.expect("one push, one read: no lag");
                    check("tokio broadcast", black_box(got), i);
                }
                start.elapsed()
            })
        });
    }
    let mut readers: [_; R] = core::array::from_fn(|_| tx.subscribe());
    drop(rx);
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async {
            let start = Instant::now();
            for i in 0..n {
                let _ = tx.send(black_box(i));
                for reader in readers.iter_mut() {
                    let got = reader.recv().await.expect("one push, one read: no lag");
                    check("tokio broadcast", black_box(got), i);
                }
            }
            start.elapsed()
        })
    })
}

/// `watch`: send, then `changed().await` and read the value.
pub fn latest() -> Runner {
    let (tx, mut rx) = watch::channel::<u64>(0);
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async {
            let start = Instant::now();
            for i in 0..n {
                tx.send_replace(black_box(i));
                rx.changed().await.expect("sender alive");
                let got = *rx.borrow_and_update();
                check("tokio watch", black_box(got), i);
            }
            start.elapsed()
        })
    })
}

/// A mailbox built from a std `Mutex<Option<T>>` and a `Notify`, the way the reference
/// builds its own, minus the boxed future.
pub fn mailbox() -> Runner {
    let slot: Mutex<Option<u64>> = Mutex::new(None);
    let notify = Notify::new();
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async {
            let start = Instant::now();
            for i in 0..n {
                *slot.lock().unwrap() = Some(black_box(i));
                notify.notify_one();
                let got = loop {
                    if let Some(v) = slot.lock().unwrap().take() {
                        break v;
                    }
                    notify.notified().await;
                };
                check("tokio mailbox", black_box(got), i);
            }
            start.elapsed()
        })
    })
}

/// Source task -> `broadcast` of 16 -> tap task, both `tokio::spawn`ed.
pub fn pipeline() -> Runner {
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async move {
            let (tx, mut rx) = broadcast::channel::<u64>(RING_CAPACITY);
            let tap = tokio::spawn(async move {
                let mut sum = 0u64;
                for _ in 0..n {
                    sum += rx
                        .recv()
                        .await
                        .expect("the source yields after every value");
                }
                sum
            });
            let source = tokio::spawn(async move {
                for i in 0..n {
                    let _ = tx.send(black_box(i));
                    yield_once().await;
                }
            });
            let start = Instant::now();
            let sum = tap.await.expect("tap task");
            source.await.expect("source task");
            let elapsed = start.elapsed();
            check("tokio pipeline sum", sum, expected_sum(n));
            elapsed
        })
    })
}
