//! Sizes of the three buffers and a first measurement of their cost per message.
//!
//! ```text
//! cargo run --release -p aimdb-core --example buffer_figures --features std
//! ```
//!
//! Single-threaded, no runtime: `recv().await` is polled once with a no-op waker (the value
//! is already there, so it is ready at once). Each figure is the median of several runs of
//! many messages; it measures the buffer and handle path, not an executor.

use std::future::Future;
use std::hint::black_box;
use std::mem::size_of;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use aimdb_core::mutex::{CriticalSectionRawMutex, NoopRawMutex, RawMutex, StdRawMutex};
use aimdb_core::{Consumer, Mailbox, Producer, RecordBuffer, SingleLatest, SpmcRing};
// The host implementation of critical sections, for `CriticalSectionRawMutex`.
use critical_section as _;

const MESSAGES: u32 = 1_000_000;
const RUNS: usize = 7;

/// Median over `RUNS` of the ns per message of `run(MESSAGES)`.
fn median_ns(mut run: impl FnMut(u32)) -> f64 {
    run(MESSAGES / 10); // warm-up
    let mut samples: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            run(MESSAGES);
            start.elapsed().as_nanos() as f64 / f64::from(MESSAGES)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[RUNS / 2]
}

/// produce, then `try_recv` on each of the `readers` readers.
fn produce_try_recv<B: RecordBuffer<u32> + ?Sized>(buffer: &B, readers: usize) -> f64 {
    let producer = Producer::new(buffer);
    let mut consumers: Vec<Consumer<'_, u32, B>> = (0..readers)
        .map(|_| Consumer::subscribe(buffer).unwrap())
        .collect();
    median_ns(|n| {
        for v in 0..n {
            producer.produce(black_box(v));
            for consumer in consumers.iter_mut() {
                black_box(consumer.try_recv().unwrap());
            }
        }
    })
}

/// produce, then poll `recv()` once on each of the `readers` readers.
fn produce_recv_await<B: RecordBuffer<u32> + ?Sized>(buffer: &B, readers: usize) -> f64 {
    let producer = Producer::new(buffer);
    let mut consumers: Vec<Consumer<'_, u32, B>> = (0..readers)
        .map(|_| Consumer::subscribe(buffer).unwrap())
        .collect();
    let mut cx = Context::from_waker(Waker::noop());
    median_ns(|n| {
        for v in 0..n {
            producer.produce(black_box(v));
            for consumer in consumers.iter_mut() {
                let received = pin!(consumer.recv()).poll(&mut cx);
                assert!(matches!(black_box(received), Poll::Ready(Ok(_))));
            }
        }
    })
}

/// Both figures for one buffer with `readers` readers.
fn figures<B: RecordBuffer<u32>>(buffer: &B, readers: usize) -> (f64, f64) {
    (
        produce_try_recv(buffer, readers),
        produce_recv_await(buffer, readers),
    )
}

fn row(mutex: &str, buffer: &str, (try_recv, recv_await): (f64, f64)) {
    println!("| {mutex} | {buffer} | {try_recv:.1} | {recv_await:.1} |");
}

/// One table row per buffer kind for mutex `M`.
fn measure<M: RawMutex>(mutex: &str) {
    let ring = SpmcRing::<M, u32, 16, 1>::new();
    row(mutex, "SpmcRing<u32, 16>, 1 reader", figures(&ring, 1));
    let ring = SpmcRing::<M, u32, 16, 4>::new();
    row(mutex, "SpmcRing<u32, 16>, 4 readers", figures(&ring, 4));
    let latest = SingleLatest::<M, u32, 1>::new();
    row(mutex, "SingleLatest<u32>, 1 reader", figures(&latest, 1));
    let mailbox = Mailbox::<M, u32, 1>::new();
    row(mutex, "Mailbox<u32>, 1 reader", figures(&mailbox, 1));
}

/// The erased handles (`dyn RecordBuffer<u32> + Sync`), as user functions receive them.
fn measure_erased() {
    let ring = SpmcRing::<CriticalSectionRawMutex, u32, 16, 1>::new();
    let erased: &(dyn RecordBuffer<u32> + Sync) = &ring;
    row(
        "CriticalSectionRawMutex",
        "SpmcRing<u32, 16>, 1 reader, erased (dyn)",
        (produce_try_recv(erased, 1), produce_recv_await(erased, 1)),
    );
}

fn main() {
    println!("## Sizes (bytes, size_of)\n");
    println!("| buffer | NoopRawMutex | CriticalSectionRawMutex | StdRawMutex |");
    println!("| --- | --- | --- | --- |");
    macro_rules! size_row {
        ($name:literal, $buffer:ident < _ $(, $arg:tt)* >) => {
            println!(
                "| {} | {} | {} | {} |",
                $name,
                size_of::<$buffer<NoopRawMutex $(, $arg)*>>(),
                size_of::<$buffer<CriticalSectionRawMutex $(, $arg)*>>(),
                size_of::<$buffer<StdRawMutex $(, $arg)*>>(),
            )
        };
    }
    size_row!("SpmcRing<_, u32, 16, 1>", SpmcRing<_, u32, 16, 1>);
    size_row!("SpmcRing<_, u32, 16, 4>", SpmcRing<_, u32, 16, 4>);
    size_row!("SingleLatest<_, u32, 1>", SingleLatest<_, u32, 1>);
    size_row!("Mailbox<_, u32, 1>", Mailbox<_, u32, 1>);

    println!("\n## ns per message (median of {RUNS} runs of {MESSAGES} messages, single thread)\n");
    println!("| mutex | buffer | produce + try_recv | produce + recv().await |");
    println!("| --- | --- | --- | --- |");
    measure::<NoopRawMutex>("NoopRawMutex");
    measure::<CriticalSectionRawMutex>("CriticalSectionRawMutex");
    measure::<StdRawMutex>("StdRawMutex");
    measure_erased();
}
