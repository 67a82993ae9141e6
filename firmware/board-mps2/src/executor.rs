//! A thread-mode embassy executor that sleeps with `WFI`.
//!
//! embassy-executor's own Cortex-M executor (`platform-cortex-m` + `executor-thread`)
//! sleeps with `WFE`. QEMU implements `WFE` as a plain yield, so an idle firmware spun one
//! host core at 100 % and starved QEMU's I/O thread, which is what moves UART bytes: on a
//! busy two-core machine receiving crawled at ~7 KB/s. `WFI` really halts the emulated core
//! until an interrupt, on QEMU and on silicon alike.
//!
//! Waking: the executor's pender (called when a task is woken) sets a flag. Interrupts end
//! `WFI` by themselves; a wake from thread mode (one task waking another while the executor
//! polls) is seen through the flag, checked with interrupts masked so no wake falls between
//! the check and the sleep.

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, Ordering};

use embassy_executor::{Spawner, raw};

/// Set by the pender: some task was woken since the executor last started polling.
static WORK: AtomicBool = AtomicBool::new(false);

/// The executor's pender; embassy-executor calls it by this exported name.
#[unsafe(export_name = "__pender")]
fn pender(_context: *mut ()) {
    WORK.store(true, Ordering::Release);
}

/// The single thread-mode executor of the firmware. Get it with [`Executor::take`].
pub struct Executor {
    inner: raw::Executor,
}

struct Slot(UnsafeCell<MaybeUninit<Executor>>);

// SAFETY: the slot is written once, by the one caller that wins `TAKEN`, and only that caller
// gets a reference to it.
unsafe impl Sync for Slot {}

static SLOT: Slot = Slot(UnsafeCell::new(MaybeUninit::uninit()));
static TAKEN: AtomicBool = AtomicBool::new(false);

impl Executor {
    /// The executor, the first time this is called; `None` after that.
    pub fn take() -> Option<&'static mut Executor> {
        if TAKEN.swap(true, Ordering::AcqRel) {
            return None;
        }
        // SAFETY: only the first caller gets here, so this is the one and only reference to
        // the slot, and it lives in a static.
        let slot = unsafe { &mut *SLOT.0.get() };
        Some(slot.write(Executor {
            inner: raw::Executor::new(core::ptr::null_mut()),
        }))
    }

    /// Call `init` with a [`Spawner`] (spawn the firmware's tasks there), then run the tasks
    /// forever, sleeping with `WFI` whenever none is ready.
    pub fn run(&'static mut self, init: impl FnOnce(Spawner)) -> ! {
        let executor: &'static raw::Executor = &self.inner;
        init(executor.spawner());
        loop {
            WORK.store(false, Ordering::Release);
            // SAFETY: `poll` is only ever called from this loop, never re-entrantly (the
            // pender only sets a flag).
            unsafe { executor.poll() };
            cortex_m::interrupt::disable();
            if !WORK.load(Ordering::Acquire) {
                // Wakes on any pending interrupt, even with interrupts masked.
                cortex_m::asm::wfi();
            }
            // SAFETY: we are not inside a critical section here: this loop is the bottom of
            // the thread-mode stack and only masked interrupts for the check above.
            unsafe { cortex_m::interrupt::enable() };
        }
    }
}
