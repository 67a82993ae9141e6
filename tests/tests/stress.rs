//! One writer thread, four reader threads, 1,000,000 values through a `static` ring.
//!
//! Every reader must see a strictly increasing sequence with nothing skipped unreported:
//! after `Lagged(n)` the next value is exactly `n` further on, so for each reader
//! values seen + lag reported == values produced.
//!
//! `AIMDB_STRESS_ROUNDS` (default 1) repeats the whole run on the same ring; the issue's
//! "10 times in a row" is
//! `AIMDB_STRESS_ROUNDS=10 cargo test --release -p aimdb-tests --test stress -- --nocapture`.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::Barrier;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use aimdb::mutex::StdRawMutex;
use aimdb::{Consumer, Producer, RecvError, SpmcRing, TryRecvError};

const VALUES: u64 = 1_000_000;
const READERS: usize = 4;
/// Small enough that readers fall behind, so the lag path is exercised too.
const CAPACITY: usize = 256;
/// In the paced half, the writer yields its thread every `PACE` values.
const PACE: u64 = 16;

static RING: SpmcRing<StdRawMutex, u64, CAPACITY, READERS> = SpmcRing::new();

/// What one reader saw in one round.
#[derive(Debug, Default)]
struct Tally {
    seen: u64,
    lagged: u64,
    lag_reports: u64,
}

/// Wakes a parked thread: the smallest executor, so readers exercise the waker path.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // Bounded: a lost wake-up shows as a slow run, not a hang.
        thread::park_timeout(Duration::from_millis(100));
    }
}

/// Check one received item against the reader's expected next value.
fn account(item: Result<u64, u64>, expected: &mut u64, tally: &mut Tally) {
    match item {
        Ok(value) => {
            assert_eq!(
                value, *expected,
                "values arrive in order, none skipped unreported"
            );
            *expected += 1;
            tally.seen += 1;
        }
        Err(missed) => {
            assert!(missed > 0);
            *expected += missed;
            tally.lagged += missed;
            tally.lag_reports += 1;
        }
    }
}

/// Readers 0 and 1 await `recv()` (woken by the writer); readers 2 and 3 spin on `try_recv()`.
fn read_round(index: usize, first: u64, start: &Barrier) -> Tally {
    let mut reader = Consumer::subscribe(&RING).expect("a reader slot per reader thread");
    start.wait();
    let (mut expected, last) = (first, first + VALUES - 1);
    let mut tally = Tally::default();
    while expected <= last {
        let item = if index < 2 {
            block_on(reader.recv()).map_err(|e| match e {
                RecvError::Lagged(n) => n,
                e => panic!("unexpected receive error: {e}"),
            })
        } else {
            match reader.try_recv() {
                Ok(value) => Ok(value),
                Err(TryRecvError::Lagged(n)) => Err(n),
                Err(TryRecvError::Empty) => {
                    thread::yield_now();
                    continue;
                }
                Err(e) => panic!("unexpected receive error: {e}"),
            }
        };
        account(item, &mut expected, &mut tally);
    }
    assert_eq!(
        expected,
        last + 1,
        "the last value produced is the last one read"
    );
    tally
}

fn round() -> Vec<Tally> {
    // Values are the ring's sequence numbers, so rounds continue where the last one ended.
    let first = RING.produced();
    let start = Arc::new(Barrier::new(READERS + 1));
    let readers: Vec<_> = (0..READERS)
        .map(|index| {
            let start = start.clone();
            thread::spawn(move || read_round(index, first, &start))
        })
        .collect();
    // Every reader holds its slot before the first value.
    start.wait();
    let producer = Producer::new(&RING);
    // The first half gives the readers a turn now and then, so they read most values; the
    // second half floods the ring, so they also lag.
    for value in first..first + VALUES {
        producer.produce(value);
        if value - first < VALUES / 2 && value % PACE == 0 {
            thread::yield_now();
        }
    }
    let tallies: Vec<Tally> = readers.into_iter().map(|r| r.join().unwrap()).collect();
    for (index, tally) in tallies.iter().enumerate() {
        assert_eq!(
            tally.seen + tally.lagged,
            VALUES,
            "reader {index}: values seen + lag reported == values produced ({tally:?})"
        );
    }
    assert_eq!(RING.readers(), 0, "every reader released its slot");
    tallies
}

#[test]
fn one_writer_four_readers_a_million_values() {
    let rounds: usize = std::env::var("AIMDB_STRESS_ROUNDS")
        .ok()
        .map(|r| r.parse().expect("AIMDB_STRESS_ROUNDS is a number"))
        .unwrap_or(1);
    let total = Instant::now();
    for r in 1..=rounds {
        let started = Instant::now();
        let tallies = round();
        let summary: Vec<String> = tallies
            .iter()
            .map(|t| {
                format!(
                    "seen {} lagged {} ({} reports)",
                    t.seen, t.lagged, t.lag_reports
                )
            })
            .collect();
        println!(
            "round {r}/{rounds}: {:.2?}; {}",
            started.elapsed(),
            summary.join("; ")
        );
    }
    println!("{rounds} rounds in {:.2?}", total.elapsed());
}
