//! The reference implementation: aimdb-core 1.1.0 with aimdb-tokio-adapter 0.6.0.
//!
//! Buffer-level cases use its `TokioBuffer` through its `Buffer` / `BufferReader` traits
//! (`push`, then `recv().await`), as its own benchmarks do. The pipeline case goes through
//! its builder and runner: `AimDbBuilder` + `TokioAdapter`, `.source()` and `.tap()`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use reference_core::buffer::{Buffer, BufferCfg, BufferReader};
use reference_core::{AimDbBuilder, DbError};
use reference_tokio::{TokioAdapter, TokioBuffer, TokioRecordRegistrarExt};
use tokio::sync::{Notify, oneshot};

use crate::harness::{RING_CAPACITY, Runner, check, current_thread, expected_sum, yield_once};

/// Ring of 16, one reader.
pub fn ring1() -> Runner {
    buffer_case::<1>(BufferCfg::SpmcRing {
        capacity: RING_CAPACITY,
    })
}

/// Ring of 16, four readers.
pub fn ring4() -> Runner {
    buffer_case::<4>(BufferCfg::SpmcRing {
        capacity: RING_CAPACITY,
    })
}

/// Single-latest (tokio `watch` inside), one reader.
pub fn latest() -> Runner {
    buffer_case::<1>(BufferCfg::SingleLatest)
}

/// Mailbox (std `Mutex` + tokio `Notify` inside), one reader.
pub fn mailbox() -> Runner {
    buffer_case::<1>(BufferCfg::Mailbox)
}

fn buffer_case<const R: usize>(cfg: BufferCfg) -> Runner {
    let buffer = TokioBuffer::<u64>::new(&cfg);
    if R == 1 {
        let mut reader = buffer.subscribe();
        let rt = current_thread();
        return Box::new(move |n| {
            rt.block_on(async {
                let start = Instant::now();
                for i in 0..n {
                    buffer.push(black_box(i));
                    let got = reader.recv().await.expect("one push, one read: no lag");
                    check("reference", black_box(got), i);
                }
                start.elapsed()
            })
        });
    }
    let mut readers: [_; R] = core::array::from_fn(|_| buffer.subscribe());
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async {
            let start = Instant::now();
            for i in 0..n {
                buffer.push(black_box(i));
                for reader in readers.iter_mut() {
                    let got = reader.recv().await.expect("one push, one read: no lag");
                    check("reference", black_box(got), i);
                }
            }
            start.elapsed()
        })
    })
}

/// Source -> ring of 16 -> tap through the reference's own builder and runner. A new
/// database per batch (its source and tap closures are `FnOnce`); the clock starts once
/// `build()` has spawned both tasks, as it does for every other system.
pub fn pipeline() -> Runner {
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async move {
            // Its runner spawns the source before the tap; the source waits until the tap
            // has subscribed so that no value is produced into a ring nobody reads yet.
            let tap_ready = Arc::new(Notify::new());
            let (done_tx, done_rx) = oneshot::channel::<u64>();
            let mut builder = AimDbBuilder::new().runtime(Arc::new(TokioAdapter));
            let source_ready = tap_ready.clone();
            builder.configure::<u64>("bench.pipeline", move |reg| {
                reg.buffer(BufferCfg::SpmcRing {
                    capacity: RING_CAPACITY,
                })
                .source(move |_ctx, producer| async move {
                    source_ready.notified().await;
                    for i in 0..n {
                        producer.produce(black_box(i)).await.expect("produce");
                        yield_once().await;
                    }
                })
                .tap(move |_ctx, consumer| async move {
                    let mut reader = consumer.subscribe().expect("subscribe");
                    tap_ready.notify_one();
                    let mut sum = 0u64;
                    let mut seen = 0u64;
                    while seen < n {
                        match reader.recv().await {
                            Ok(v) => sum += v,
                            Err(DbError::BufferLagged { lag_count, .. }) => {
                                panic!("reference tap lagged by {lag_count}")
                            }
                            Err(e) => panic!("reference tap: {e:?}"),
                        }
                        seen += 1;
                    }
                    let _ = done_tx.send(sum);
                });
            });
            let db = builder.build().await.expect("reference build");
            let start = Instant::now();
            let sum = done_rx.await.expect("reference tap finished");
            let elapsed = start.elapsed();
            drop(db);
            check("reference pipeline sum", sum, expected_sum(n));
            elapsed
        })
    })
}
