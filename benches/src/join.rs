//! The join trigger: one trigger = a value produced into a join's first input -> the
//! join's handler sees it and produces `value + 1` into the output record -> a tap on the
//! output sees that. The join has a second input that never fires (a single-latest `u32`
//! record), so every trigger also pays for polling / selecting over two inputs.
//!
//! Each system's join and tap run as tasks on its own current-thread runtime for the life
//! of the runner (a join never ends: its inputs do not close). The driver, the runner's
//! `block_on` future, produces one value and yields until the tap has stored `value + 1`,
//! so exactly one trigger is in flight and every value is checked in order.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use reference_core::AimDbBuilder;
use reference_core::buffer::BufferCfg as RefBufferCfg;
use reference_tokio::{TokioAdapter, TokioRecordRegistrarExt};
use tokio::sync::{broadcast, watch};

use crate::harness::{RING_CAPACITY, Runner, current_thread, yield_once};

/// Scheduler rounds a trigger may take before the driver gives up: far more than any
/// working path needs (a handful), so a lost value panics instead of hanging.
const MAX_ROUNDS: u32 = 1_000_000;

/// Yields until the tap has stored `expected`; panics with the case's name if it stores
/// anything else for good or never gets there.
async fn wait_for_tap(seen: &AtomicU64, expected: u64, case: &str) {
    let mut rounds = 0;
    loop {
        let got = seen.load(Ordering::Acquire);
        if got == expected {
            return;
        }
        rounds += 1;
        if got > expected || rounds > MAX_ROUNDS {
            panic!("{case}: tap saw {got}, expected {expected} after {rounds} rounds");
        }
        yield_once().await;
    }
}

/// Lets freshly spawned tasks start (spawn their helpers, subscribe) before the first
/// value is produced, so no value goes into a buffer nobody reads yet.
async fn settle() {
    for _ in 0..64 {
        yield_once().await;
    }
}

// ---- ours: a tokio node emitted by `topology!{}` -------------------------------------

/// The trigger source's producer, handed to the runner: the source function only runs
/// once per node, the runner drives many batches with it.
static OURS_INPUT: Mutex<Option<aimdb::Producer<'static, u64>>> = Mutex::new(None);
/// The last value the tap saw.
static OURS_SEEN: AtomicU64 = AtomicU64::new(0);
/// The next trigger value: process-wide, like the node's buffers, so a second runner in
/// the same process continues above whatever the tap already stored.
static OURS_NEXT: AtomicU64 = AtomicU64::new(0);

async fn trigger_source(producer: aimdb::Producer<'static, u64>) {
    *OURS_INPUT.lock().expect("trigger producer lock") = Some(producer);
}

/// The second input: a writer that never writes.
async fn quiet_source(_producer: aimdb::Producer<'static, u32>) {}

async fn output_tap(mut consumer: aimdb::Consumer<'static, u64>) {
    while let Ok(v) = consumer.recv().await {
        OURS_SEEN.store(v, Ordering::Release);
    }
}

aimdb::topology! {
    node bench_join: tokio;
    builder.configure::<u64>("bench/join/in", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 16 }).source(trigger_source).finish();
    });
    builder.configure::<u32>("bench/join/other", |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(quiet_source).finish();
    });
    builder.configure::<u64>("bench/join/out", |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(output_tap)
            .transform_join(|b| {
                b.input::<u64>("bench/join/in")
                    .input::<u32>("bench/join/other")
                    .on_triggers(|mut rx, producer| async move {
                        while let Ok(trigger) = rx.recv().await {
                            if let Some(v) = trigger.as_input::<u64>() {
                                let _ = producer.produce(v + 1).await;
                            }
                        }
                    })
            })
            .finish();
    });
}

/// One node per process at a time: its buffers are `static`s, so two runners at once
/// (parallel tests) would share reader slots and the trigger handoff. A second runner
/// waits here until the first is dropped (never create two on one thread).
static OURS_NODE: Mutex<()> = Mutex::new(());

/// The ours runner's state. Fields drop in order: the runtime (and with it the node's
/// tasks and their reader slots) before the node lock is released.
struct OursJoin {
    rt: tokio::runtime::Runtime,
    producer: aimdb::Producer<'static, u64>,
    _node: MutexGuard<'static, ()>,
}

/// Ours: the node's `run()` spawned once on the runner's runtime (its tasks run whenever
/// a batch's `block_on` runs), triggers produced through the source's own producer.
pub fn ours() -> Runner {
    let node = OURS_NODE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let rt = current_thread();
    rt.spawn(bench_join::run(bench_join::Links {}));
    let producer = rt.block_on(async {
        settle().await;
        OURS_INPUT
            .lock()
            .expect("trigger producer lock")
            .take()
            .expect("the node ran its trigger source")
    });
    let state = OursJoin {
        rt,
        producer,
        _node: node,
    };
    Box::new(move |n| {
        state.rt.block_on(async {
            let first = OURS_NEXT.fetch_add(n, Ordering::Relaxed);
            let start = Instant::now();
            for v in first..first + n {
                let _ = state.producer.produce(black_box(v)).await;
                wait_for_tap(&OURS_SEEN, v + 1, "ours join").await;
            }
            start.elapsed()
        })
    })
}

// ---- the reference: its builder, `transform_join` and runner -------------------------

/// The reference: one database for the runner's life, built with its builder on
/// `TokioAdapter`; triggers produced through `db.producer()`, as code outside the
/// database does.
pub fn reference() -> Runner {
    let rt = current_thread();
    let seen = Arc::new(AtomicU64::new(0));
    let tap_seen = seen.clone();
    let (db, producer) = rt.block_on(async move {
        let mut builder = AimDbBuilder::new().runtime(Arc::new(TokioAdapter));
        builder.configure::<u64>("bench.join.in", |reg| {
            reg.buffer(RefBufferCfg::SpmcRing {
                capacity: RING_CAPACITY,
            });
        });
        builder.configure::<u32>("bench.join.other", |reg| {
            reg.buffer(RefBufferCfg::SingleLatest);
        });
        builder.configure::<u64>("bench.join.out", move |reg| {
            reg.buffer(RefBufferCfg::SingleLatest)
                .tap(move |_ctx, consumer| async move {
                    let mut reader = consumer.subscribe().expect("subscribe the output");
                    while let Ok(v) = reader.recv().await {
                        tap_seen.store(v, Ordering::Release);
                    }
                })
                .transform_join(|j| {
                    j.input::<u64>("bench.join.in")
                        .input::<u32>("bench.join.other")
                        .on_triggers(|mut rx, producer| async move {
                            while let Ok(trigger) = rx.recv().await {
                                if let Some(v) = trigger.as_input::<u64>() {
                                    let _ = producer.produce(v + 1).await;
                                }
                            }
                        })
                });
        });
        let db = builder.build().await.expect("reference build");
        let producer = db.producer::<u64>("bench.join.in");
        settle().await;
        (db, producer)
    });
    let mut next = 0u64;
    Box::new(move |n| {
        let _keep_alive = &db;
        rt.block_on(async {
            let start = Instant::now();
            for v in next..next + n {
                producer
                    .produce(black_box(v))
                    .await
                    .expect("reference produce");
                wait_for_tap(&seen, v + 1, "reference join").await;
            }
            next += n;
            start.elapsed()
        })
    })
}

// ---- raw: a hand-written two-input join over tokio::sync -----------------------------

/// No primitive joins; this is what one writes by hand: a task `select!`ing over a
/// `broadcast` (the ring input) and a `watch` (the single-latest input), sending
/// `value + 1` into a `watch` (the output), and a tap task on that `watch`.
pub fn raw_tokio() -> Runner {
    let rt = current_thread();
    let (input, mut input_rx) = broadcast::channel::<u64>(RING_CAPACITY);
    let (other, mut other_rx) = watch::channel(0u32);
    let (output, mut output_rx) = watch::channel(0u64);
    let seen = Arc::new(AtomicU64::new(0));
    let tap_seen = seen.clone();
    rt.spawn(async move {
        loop {
            tokio::select! {
                got = input_rx.recv() => match got {
                    Ok(v) => { output.send_replace(v + 1); }
                    Err(e) => panic!("raw join input: {e}"),
                },
                changed = other_rx.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
    });
    rt.spawn(async move {
        while output_rx.changed().await.is_ok() {
            tap_seen.store(*output_rx.borrow_and_update(), Ordering::Release);
        }
    });
    let mut next = 0u64;
    Box::new(move |n| {
        // Kept open so the join's second input never closes.
        let _other = &other;
        rt.block_on(async {
            let start = Instant::now();
            for v in next..next + n {
                input
                    .send(black_box(v))
                    .expect("the raw join reads its input");
                wait_for_tap(&seen, v + 1, "raw join").await;
            }
            next += n;
            start.elapsed()
        })
    })
}
