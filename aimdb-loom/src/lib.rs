//! Support for the loom models in `tests/`: a loom-backed [`RawMutex`] for the buffers, an
//! async receive that blocks under loom's scheduler, a waker that counts its wakes, and a
//! model runner that counts the interleavings it explored.
//!
//! The buffers keep their state in `Cell`s guarded by the `RawMutex` they are generic over,
//! so with [`LoomRawMutex`] every buffer operation is one loom lock acquisition and loom
//! explores every order in which the threads' operations (and the wakes done after the
//! lock is released) can interleave. Waking goes through loom's `block_on` waker (or
//! [`WakeCounter`]), so a lost wake-up shows up as a deadlock loom reports.

use core::future::poll_fn;
use core::task::Poll;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering as StdOrdering};
use std::task::{Wake, Waker};

use aimdb_core::buffer::{ReaderCursor, RecordBuffer, RecvError};
use embassy_sync::blocking_mutex::raw::RawMutex;

/// A [`RawMutex`] over a `loom::sync::Mutex<()>`.
///
/// `RawMutex::INIT` must be a constant and loom's mutex is not `const`, so the loom mutex is
/// created on first use; each model iteration builds its buffers afresh, so it is created
/// inside the iteration that uses it.
pub struct LoomRawMutex {
    inner: OnceLock<loom::sync::Mutex<()>>,
}

// SAFETY: `lock` runs `f` while holding the loom mutex, so two closures never run at once on
// one `LoomRawMutex` (and loom checks every order in which threads take it).
unsafe impl RawMutex for LoomRawMutex {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = LoomRawMutex {
        inner: OnceLock::new(),
    };

    fn lock<R>(&self, f: impl FnOnce() -> R) -> R {
        let mutex = self.inner.get_or_init(|| loom::sync::Mutex::new(()));
        let _held = mutex.lock().unwrap();
        f()
    }
}

/// Wait for this reader's next value (the buffer's async receive) under loom's scheduler.
pub fn recv<T, B: RecordBuffer<T> + ?Sized>(
    buffer: &B,
    cursor: &mut ReaderCursor,
) -> Result<T, RecvError> {
    loom::future::block_on(poll_fn(|cx| buffer.poll_recv(cursor, cx)))
}

/// A waker that counts how often it was woken (a loom atomic, so loom sees the wake).
pub struct WakeCounter {
    wakes: loom::sync::atomic::AtomicUsize,
}

impl WakeCounter {
    /// A counter at zero and a waker that bumps it.
    pub fn new() -> (std::sync::Arc<WakeCounter>, Waker) {
        let counter = std::sync::Arc::new(WakeCounter {
            wakes: loom::sync::atomic::AtomicUsize::new(0),
        });
        let waker = Waker::from(counter.clone());
        (counter, waker)
    }

    /// How often the waker was woken.
    pub fn wakes(&self) -> usize {
        self.wakes.load(loom::sync::atomic::Ordering::SeqCst)
    }
}

impl Wake for WakeCounter {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.wakes
            .fetch_add(1, loom::sync::atomic::Ordering::SeqCst);
    }
}

/// Poll one receive once with `waker`.
pub fn poll_once<T, B: RecordBuffer<T> + ?Sized>(
    buffer: &B,
    cursor: &mut ReaderCursor,
    waker: &Waker,
) -> Poll<Result<T, RecvError>> {
    let mut cx = core::task::Context::from_waker(waker);
    buffer.poll_recv(cursor, &mut cx)
}

/// Run `model` under loom and print how many interleavings it explored.
///
/// `bound` is the preemption bound: `None` explores every interleaving (exhaustive); a
/// model with three threads that loop explodes without one, and bounds of 2-3 are what
/// loom's authors recommend (most concurrency bugs need few preemptions). The environment
/// variable `LOOM_MAX_PREEMPTIONS` overrides it for every model (`0` = exhaustive).
pub fn explore(name: &str, bound: Option<usize>, model: impl Fn() + Sync + Send + 'static) {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    // Tests run one at a time (scripts/loom.sh passes --test-threads=1), so one counter does.
    RUNS.store(0, StdOrdering::SeqCst);
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = match std::env::var("LOOM_MAX_PREEMPTIONS") {
        Ok(text) => match text.parse().expect("LOOM_MAX_PREEMPTIONS is a number") {
            0 => None,
            n => Some(n),
        },
        Err(_) => bound,
    };
    builder.max_branches = 100_000;
    let bound = builder.preemption_bound;
    builder.check(move || {
        RUNS.fetch_add(1, StdOrdering::SeqCst);
        model();
    });
    let runs = RUNS.load(StdOrdering::SeqCst);
    let how = bound.map_or("exhaustive".to_string(), |b| {
        format!("preemption bound {b}")
    });
    println!("loom model {name}: {runs} interleavings explored ({how}), all passed");
}
