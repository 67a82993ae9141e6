//! The cost of one join trigger, end to end, and the allocations it makes (must be 0):
//! a value is produced into a join's input, the join's handler sees it and produces the
//! output, and a tap on the output sees that. Measured on the embassy executor (host,
//! `platform-std`) and on a current-thread tokio runtime, each a generated node.
//!
//! `cargo run --release -p aimdb-tests --example join_trigger`

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use aimdb::{Consumer, Producer};

/// Counts every allocation of the process.
struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Triggers measured per runtime, after `WARMUP` unmeasured ones.
const TRIGGERS: u64 = 200_000;
const WARMUP: u64 = 10_000;

/// What one run measured.
struct Figures {
    nanos_per_trigger: f64,
    allocations: usize,
}

/// Yield once to the executor (so the join and the tap run), then continue.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Produce `0..WARMUP+TRIGGERS`, each after the tap saw the previous output; time the
/// measured part and count its allocations.
async fn drive(producer: Producer<'static, u64>, seen: &'static AtomicU64) -> Figures {
    let mut start = Instant::now();
    let mut allocations_before = 0;
    for i in 0..WARMUP + TRIGGERS {
        if i == WARMUP {
            allocations_before = ALLOCATIONS.load(Ordering::SeqCst);
            start = Instant::now();
        }
        let _ = producer.produce(i).await;
        // The join produces i + 1; the tap stores it.
        while seen.load(Ordering::Acquire) != i + 1 {
            YieldNow(false).await;
        }
    }
    let elapsed = start.elapsed();
    Figures {
        nanos_per_trigger: elapsed.as_nanos() as f64 / TRIGGERS as f64,
        allocations: ALLOCATIONS.load(Ordering::SeqCst) - allocations_before,
    }
}

static EMBASSY_SEEN: AtomicU64 = AtomicU64::new(0);
static TOKIO_SEEN: AtomicU64 = AtomicU64::new(0);
static EMBASSY_REPORT: std::sync::Mutex<Option<mpsc::Sender<Figures>>> =
    std::sync::Mutex::new(None);
static TOKIO_REPORT: std::sync::Mutex<Option<mpsc::Sender<Figures>>> = std::sync::Mutex::new(None);

async fn embassy_driver(producer: Producer<'static, u64>) {
    let figures = drive(producer, &EMBASSY_SEEN).await;
    let report = EMBASSY_REPORT.lock().unwrap().take();
    let _ = report.map(|r| r.send(figures));
}

async fn tokio_driver(producer: Producer<'static, u64>) {
    let figures = drive(producer, &TOKIO_SEEN).await;
    let report = TOKIO_REPORT.lock().unwrap().take();
    let _ = report.map(|r| r.send(figures));
}

async fn embassy_tap(mut consumer: Consumer<'static, u64>) {
    while let Ok(v) = consumer.recv().await {
        EMBASSY_SEEN.store(v, Ordering::Release);
    }
}

async fn tokio_tap(mut consumer: Consumer<'static, u64>) {
    while let Ok(v) = consumer.recv().await {
        TOKIO_SEEN.store(v, Ordering::Release);
    }
}

/// A second input that never fires: the join polls it on every trigger.
async fn quiet(_producer: Producer<'static, u32>) {}

aimdb::topology! {
    node on_embassy: embassy;
    builder.configure::<u64>("embassy/in", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 64 }).source(embassy_driver).finish();
    });
    builder.configure::<u32>("embassy/other", |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(quiet).finish();
    });
    builder.configure::<u64>("embassy/out", |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(embassy_tap)
            .transform_join(|b| {
                b.input::<u64>("embassy/in")
                    .input::<u32>("embassy/other")
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

aimdb::topology! {
    node on_tokio: tokio;
    builder.configure::<u64>("tokio/in", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 64 }).source(tokio_driver).finish();
    });
    builder.configure::<u32>("tokio/other", |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(quiet).finish();
    });
    builder.configure::<u64>("tokio/out", |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(tokio_tap)
            .transform_join(|b| {
                b.input::<u64>("tokio/in")
                    .input::<u32>("tokio/other")
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

fn print(runtime: &str, figures: &Figures) {
    println!(
        "join trigger on {runtime:<28} {:>8.0} ns/trigger  {} allocations in {TRIGGERS} triggers ({:.3}/trigger)",
        figures.nanos_per_trigger,
        figures.allocations,
        figures.allocations as f64 / TRIGGERS as f64
    );
}

fn main() {
    let (sender, figures) = mpsc::channel();
    *EMBASSY_REPORT.lock().unwrap() = Some(sender);
    // The executor never returns; it runs on a thread the process ends with.
    std::thread::spawn(|| {
        let executor: &'static mut embassy_executor::Executor =
            Box::leak(Box::new(embassy_executor::Executor::new()));
        executor.run(|spawner| on_embassy::spawn(spawner, on_embassy::Links {}))
    });
    let embassy = figures
        .recv_timeout(Duration::from_secs(120))
        .expect("the embassy run finished");
    print("embassy (host, platform-std)", &embassy);

    let (sender, figures) = mpsc::channel();
    *TOKIO_REPORT.lock().unwrap() = Some(sender);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.spawn(on_tokio::run(on_tokio::Links {}));
    let tokio = runtime.block_on(async {
        loop {
            if let Ok(figures) = figures.try_recv() {
                break figures;
            }
            tokio::task::yield_now().await;
        }
    });
    print("tokio (current thread)", &tokio);
    assert_eq!(embassy.allocations, 0, "allocations on embassy");
    assert_eq!(tokio.allocations, 0, "allocations on tokio");
}
