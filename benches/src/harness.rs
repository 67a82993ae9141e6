//! Timing and the small pieces every runner shares.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::time::Duration;

/// Runs `n` messages of one case and returns how long they took. Setup (buffers, tasks'
/// state, the runtime) happens before the first call and is not timed.
pub type Runner = Box<dyn FnMut(u64) -> Duration>;

/// The ring capacity every ring case uses, for every system (embassy's adapter in the
/// reference implementation fixes its ring at 16 too).
pub const RING_CAPACITY: usize = 16;

/// A current-thread tokio runtime with no I/O or time driver: the cases need neither, and
/// a driver would only add a park syscall to every scheduler tick.
pub fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread tokio runtime")
}

/// Panics with a clear message when a case received the wrong value: a benchmark that
/// silently measures a broken path is worse than none. The branch is predicted and costs
/// the same in every system.
#[inline(always)]
pub fn check(case: &str, got: u64, expected: u64) {
    if got != expected {
        panic!("{case}: received {got}, expected {expected}");
    }
}

/// Yields to the scheduler once: wakes itself and returns `Pending`, so every other ready
/// task runs before this one continues. Used by every source in the source -> buffer -> tap
/// case, so the tap consumes each message before the next is produced.
pub struct YieldOnce(bool);

/// See [`YieldOnce`].
pub fn yield_once() -> YieldOnce {
    YieldOnce(false)
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Median nanoseconds per message of `batches` batches of `per_batch` messages each,
/// after one untimed warm-up batch.
pub fn median_ns_per_msg(runner: &mut Runner, batches: usize, per_batch: u64) -> f64 {
    median_ns_per_msg_interleaved(core::slice::from_mut(runner), batches, per_batch)[0]
}

/// The same for several runners at once, batches interleaved round-robin (starting one
/// further each round): on a shared machine every case then sees the same spells of load,
/// so the ratios between them are fairer than figures taken one case after another.
pub fn median_ns_per_msg_interleaved(
    runners: &mut [Runner],
    batches: usize,
    per_batch: u64,
) -> Vec<f64> {
    for runner in runners.iter_mut() {
        runner(per_batch.min(10_000));
    }
    let count = runners.len();
    let mut samples = vec![Vec::with_capacity(batches); count];
    for round in 0..batches.max(1) {
        for k in 0..count {
            let i = (round + k) % count;
            samples[i].push(runners[i](per_batch).as_nanos() as f64 / per_batch as f64);
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        })
        .collect()
}

/// The sum 0 + 1 + ... + (n - 1): what a tap that saw every message of a batch adds up to.
pub fn expected_sum(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}
