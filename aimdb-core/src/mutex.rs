//! The mutexes buffers are generic over.
//!
//! Buffers take an embassy-sync [`RawMutex`] so the caller picks the cost of sharing:
//! [`NoopRawMutex`] for one executor with no interrupts, [`CriticalSectionRawMutex`] on a
//! microcontroller, and [`StdRawMutex`] (feature `std`) on a multi-threaded host.

pub use embassy_sync::blocking_mutex::raw::{CriticalSectionRawMutex, NoopRawMutex, RawMutex};

#[cfg(feature = "std")]
pub use self::std_mutex::StdRawMutex;

#[cfg(feature = "std")]
mod std_mutex {
    use std::sync::PoisonError;

    #[cfg(not(aimdb_loom))]
    use embassy_sync::blocking_mutex::raw::RawMutex;

    use self::sync::{AtomicU32, Condvar, Mutex, Ordering, SPINS, spin};

    /// The primitives the lock is built from: std's, or loom's when aimdb-loom model-checks
    /// this very code (`RUSTFLAGS="--cfg aimdb_loom"`, see `scripts/loom.sh`).
    #[cfg(not(aimdb_loom))]
    mod sync {
        pub(super) use core::sync::atomic::{AtomicU32, Ordering};
        pub(super) use std::sync::{Condvar, Mutex};

        /// How often a thread retries before it parks. A buffer's critical section is a
        /// few moves, so a short spin usually outlasts it; std's own mutex spins as long.
        pub(super) const SPINS: u32 = 100;

        #[inline]
        pub(super) fn spin() {
            core::hint::spin_loop();
        }
    }

    #[cfg(aimdb_loom)]
    mod sync {
        pub(super) use loom::sync::atomic::{AtomicU32, Ordering};
        pub(super) use loom::sync::{Condvar, Mutex};

        /// Two retries: enough for loom to explore a spin that wins and one that parks.
        pub(super) const SPINS: u32 = 2;

        /// loom needs a spinning thread to yield, or it explores the spin for ever.
        pub(super) fn spin() {
            loom::thread::yield_now();
        }
    }

    /// No thread holds the lock.
    const UNLOCKED: u32 = 0;
    /// A thread holds the lock and nobody is parked.
    const LOCKED: u32 = 1;
    /// A thread holds the lock and another may be parked: unlocking must unpark one.
    const CONTENDED: u32 = 2;

    /// A [`RawMutex`] for buffers shared between threads on a host.
    ///
    /// Unlike `CriticalSectionRawMutex` with critical-section's `std` implementation (one
    /// global lock for the whole process), each buffer gets its own lock, so unrelated
    /// records never contend.
    ///
    /// The uncontended path is one compare-exchange to lock and one swap to unlock: no
    /// poison bookkeeping, which `std::sync::Mutex` does on every lock and unlock. (A panic
    /// inside a buffer operation leaves nothing half-done: buffers keep their state in
    /// `Cell`s that always hold whole values, so there is nothing to poison.) A thread that
    /// finds the lock taken spins briefly, then parks on a condition variable; the three-state
    /// protocol is the classic futex mutex with `Mutex` + `Condvar` standing in for the futex.
    pub struct StdRawMutex {
        /// `UNLOCKED`, `LOCKED` or `CONTENDED`.
        state: AtomicU32,
        /// Held by a thread between deciding to park and parking, and by an unlocking thread
        /// to notify, so a notification cannot fall between the two.
        parking: Mutex<()>,
        /// Where contending threads park.
        unparked: Condvar,
    }

    // SAFETY: `lock` runs `f` only after moving `state` from `UNLOCKED` to `LOCKED` or
    // `CONTENDED` with an atomic read-modify-write (so exactly one thread succeeds), and
    // moves it back to `UNLOCKED` only after `f` returned or unwound (`Unlock::drop`). Two
    // closures therefore never run at once on one `StdRawMutex`, which is all `RawMutex`
    // requires. Acquire on locking and Release on unlocking order the closures' memory
    // accesses one after the other.
    #[cfg(not(aimdb_loom))]
    unsafe impl RawMutex for StdRawMutex {
        #[allow(clippy::declare_interior_mutable_const)]
        const INIT: Self = StdRawMutex {
            state: AtomicU32::new(UNLOCKED),
            parking: Mutex::new(()),
            unparked: Condvar::new(),
        };

        #[inline]
        fn lock<R>(&self, f: impl FnOnce() -> R) -> R {
            self.run_locked(f)
        }
    }

    /// Under loom the primitives are not `const`, so there is no `RawMutex::INIT`: a model
    /// builds the lock with `new()` and calls `lock` directly.
    #[cfg(aimdb_loom)]
    impl StdRawMutex {
        /// An unlocked lock.
        #[allow(clippy::new_without_default)]
        pub fn new() -> Self {
            StdRawMutex {
                state: AtomicU32::new(UNLOCKED),
                parking: Mutex::new(()),
                unparked: Condvar::new(),
            }
        }

        /// Run `f` with the lock held (what `RawMutex::lock` does).
        pub fn lock<R>(&self, f: impl FnOnce() -> R) -> R {
            self.run_locked(f)
        }
    }

    /// Unlocks when the closure returns or unwinds.
    struct Unlock<'a>(&'a StdRawMutex);

    impl Drop for Unlock<'_> {
        #[inline]
        fn drop(&mut self) {
            if self.0.state.swap(UNLOCKED, Ordering::Release) == CONTENDED {
                self.0.unpark_one();
            }
        }
    }

    impl StdRawMutex {
        /// Take the lock (one compare-exchange when it is free), run `f`, unlock.
        #[inline]
        fn run_locked<R>(&self, f: impl FnOnce() -> R) -> R {
            if self
                .state
                .compare_exchange_weak(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                self.lock_contended();
            }
            let _unlock = Unlock(self);
            f()
        }

        /// The lock was taken: spin, then park until an unlock hands over.
        #[cold]
        #[inline(never)]
        fn lock_contended(&self) {
            for _ in 0..SPINS {
                spin();
                if self.state.load(Ordering::Relaxed) == UNLOCKED
                    && self
                        .state
                        .compare_exchange_weak(
                            UNLOCKED,
                            LOCKED,
                            Ordering::Acquire,
                            Ordering::Relaxed,
                        )
                        .is_ok()
                {
                    return;
                }
            }
            // No code that can panic runs while `parking` is held, so it is never poisoned;
            // `into_inner` only keeps this path free of a panic branch.
            let mut parked = self.parking.lock().unwrap_or_else(PoisonError::into_inner);
            // Marking the lock `CONTENDED` before parking makes its holder's unlock notify.
            // Taking it this way leaves it marked `CONTENDED` even if nobody else waits: at
            // worst one needless notification.
            while self.state.swap(CONTENDED, Ordering::Acquire) != UNLOCKED {
                parked = self
                    .unparked
                    .wait(parked)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }

        /// An unlock found the lock `CONTENDED`: wake one parked thread to retry.
        #[cold]
        #[inline(never)]
        fn unpark_one(&self) {
            // Taking `parking` waits out a thread that marked the lock but has not parked yet.
            let _parking = self.parking.lock().unwrap_or_else(PoisonError::into_inner);
            self.unparked.notify_one();
        }
    }
}
