//! `StdRawMutex`'s own lock under loom: aimdb-core's source, compiled with
//! `--cfg aimdb_loom` so its atomic, `Mutex` and `Condvar` are loom's (scripts/loom.sh sets
//! it). The lock is the three-state futex protocol: compare-exchange to lock, swap to unlock,
//! a spin (2 retries under loom), then parking on a `Condvar`.
//!
//! What is checked, on every interleaving loom explores:
//! - mutual exclusion: the guarded counter is a `loom::cell::UnsafeCell`, so two closures
//!   inside the lock at once is an access loom reports, and the count comes out exact;
//! - no lost unpark: a thread that parked is woken by the unlock that follows (a thread left
//!   parked for ever is a deadlock loom reports);
//! - a closure that panics still unlocks (the unlock runs on unwind).
//!
//! loom's `yield_now` (the spin) lets the other threads run before the spinner retries, so
//! with two threads the waiter always finds the lock free while spinning; the
//! three-thread model is the one that parks. Dropping the unpark from `Unlock::drop` makes
//! it fail with a deadlock (tried by hand: "deadlock; threads = [Blocked, Blocked,
//! Terminated]").

use std::sync::Arc;

use aimdb_core::mutex::StdRawMutex;
use aimdb_loom::explore;
use loom::cell::UnsafeCell;
use loom::thread;

/// A counter only the lock guards.
struct Guarded {
    lock: StdRawMutex,
    count: UnsafeCell<u32>,
}

// SAFETY: `count` is only touched inside `lock.lock(..)`, which is what the models check.
unsafe impl Sync for Guarded {}

impl Guarded {
    fn new() -> Arc<Self> {
        Arc::new(Guarded {
            lock: StdRawMutex::new(),
            count: UnsafeCell::new(0),
        })
    }

    fn increment(&self) {
        // SAFETY: inside the lock; loom reports a concurrent access if it is not exclusive.
        self.lock
            .lock(|| self.count.with_mut(|count| unsafe { *count += 1 }));
    }

    fn count(&self) -> u32 {
        // SAFETY: as above.
        self.lock
            .lock(|| self.count.with(|count| unsafe { *count }))
    }
}

/// The model panics on purpose in every iteration: keep those messages out of the log,
/// print any other panic as usual.
fn quiet_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>() != Some(&"inside the lock") {
                default(info);
            }
        }));
    });
}

#[test]
fn std_mutex_two_threads_exclusive() {
    explore(
        "std_mutex_two_threads_exclusive (2 threads x 2 locks)",
        None,
        || {
            let guarded = Guarded::new();
            let other = {
                let guarded = guarded.clone();
                thread::spawn(move || {
                    guarded.increment();
                    guarded.increment();
                })
            };
            guarded.increment();
            guarded.increment();
            other.join().unwrap();
            assert_eq!(guarded.count(), 4);
        },
    );
}

#[test]
fn std_mutex_three_threads_park_and_hand_over() {
    // Three contenders: with the spin exhausted, two can park at once, so an unlock that
    // notifies one while the other stays marked `CONTENDED` is explored too.
    explore(
        "std_mutex_three_threads_park_and_hand_over (3 threads x 1 lock)",
        Some(3),
        || {
            let guarded = Guarded::new();
            let others: Vec<_> = (0..2)
                .map(|_| {
                    let guarded = guarded.clone();
                    thread::spawn(move || guarded.increment())
                })
                .collect();
            guarded.increment();
            for other in others {
                other.join().unwrap();
            }
            assert_eq!(guarded.count(), 3);
        },
    );
}

#[test]
fn std_mutex_unlocks_when_the_closure_panics() {
    explore(
        "std_mutex_unlocks_when_the_closure_panics (a panicking holder, a waiter)",
        None,
        || {
            let guarded = Guarded::new();
            let other = {
                let guarded = guarded.clone();
                thread::spawn(move || guarded.increment())
            };
            quiet_expected_panics();
            let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                guarded.lock.lock(|| panic!("inside the lock"))
            }));
            assert!(unwound.is_err());
            other.join().unwrap();
            assert_eq!(guarded.count(), 1);
        },
    );
}
