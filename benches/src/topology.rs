//! Ours through a topology emitted by `aimdb::topology!{}`: the source -> buffer -> tap
//! workload as a node whose ring, reader slot, claims and tasks the macro generates
//! (`StdRawMutex` buffer, erased handles, one `tokio::spawn` per task).

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::harness::{Runner, check, current_thread, expected_sum, yield_once};

/// Messages the next run of the node pushes (user functions take only their handle).
static BATCH: AtomicU64 = AtomicU64::new(0);
/// What the tap added up in the last run.
static TAP_SUM: AtomicU64 = AtomicU64::new(0);

async fn bench_source(producer: aimdb::Producer<'static, u64>) {
    for i in 0..BATCH.load(Ordering::Relaxed) {
        let _ = producer.produce(black_box(i));
        yield_once().await;
    }
}

async fn bench_tap(mut consumer: aimdb::Consumer<'static, u64>) {
    let mut sum = 0u64;
    for _ in 0..BATCH.load(Ordering::Relaxed) {
        sum += consumer
            .recv()
            .await
            .expect("the source yields after every value");
    }
    TAP_SUM.store(sum, Ordering::Relaxed);
}

aimdb::topology! {
    node bench_pipeline: tokio;
    builder.configure::<u64>("bench/pipeline", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 16 })
            .source(bench_source)
            .tap(bench_tap)
            .finish();
    });
}

/// One batch = one `run()` of the node: it registers its claims (a no-op after the first
/// run), subscribes the tap, spawns both tasks and returns when both have returned.
pub fn pipeline() -> Runner {
    let rt = current_thread();
    Box::new(move |n| {
        rt.block_on(async move {
            BATCH.store(n, Ordering::Relaxed);
            let start = Instant::now();
            bench_pipeline::run(bench_pipeline::Links {}).await;
            let elapsed = start.elapsed();
            check(
                "topology pipeline sum",
                TAP_SUM.load(Ordering::Relaxed),
                expected_sum(n),
            );
            elapsed
        })
    })
}
