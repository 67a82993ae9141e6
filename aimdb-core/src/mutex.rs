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
    use embassy_sync::blocking_mutex::raw::RawMutex;

    /// A [`RawMutex`] backed by `std::sync::Mutex`, for buffers shared between threads.
    ///
    /// Unlike `CriticalSectionRawMutex` with critical-section's `std` implementation (one
    /// global lock for the whole process), each buffer gets its own lock, so unrelated
    /// records never contend.
    pub struct StdRawMutex(std::sync::Mutex<()>);

    // SAFETY: `lock` holds the std mutex for the whole closure, so two closures never run
    // at once on one `StdRawMutex`, which is all `RawMutex` requires.
    unsafe impl RawMutex for StdRawMutex {
        #[allow(clippy::declare_interior_mutable_const)]
        const INIT: Self = StdRawMutex(std::sync::Mutex::new(()));

        #[inline]
        fn lock<R>(&self, f: impl FnOnce() -> R) -> R {
            // A buffer keeps its state in `Cell`s, each always holding a whole value (a value
            // moved out for a clone is put back while unwinding), so a panic inside a buffer
            // operation leaves nothing half-done and a poisoned lock is safe to reuse.
            let _guard = self
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            f()
        }
    }
}
