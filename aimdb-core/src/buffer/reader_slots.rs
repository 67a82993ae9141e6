//! Reader slots and their wakers, shared by all three buffers.
//!
//! Buffer state lives in `Cell`s rather than one `RefCell`: every access is a whole-value
//! move in or out, so there is no borrow flag to check and no panic path, and code that
//! runs while the lock is held (a waker, `T::clone`, `T::drop`) may re-enter the buffer on
//! the same thread without undefined behaviour or a `BorrowMutError`.

use core::cell::Cell;
use core::task::Waker;

use super::SubscribeError;

/// `R` reader slots: which are taken and the waker each registered last.
pub(crate) struct ReaderSlots<const R: usize> {
    taken: [Cell<bool>; R],
    wakers: [Cell<Option<Waker>>; R],
}

impl<const R: usize> ReaderSlots<R> {
    pub(crate) const fn new() -> Self {
        ReaderSlots {
            taken: [const { Cell::new(false) }; R],
            wakers: [const { Cell::new(None) }; R],
        }
    }

    pub(crate) fn claim(&self) -> Result<usize, SubscribeError> {
        match self.taken.iter().position(|taken| !taken.get()) {
            Some(slot) => {
                self.taken[slot].set(true);
                Ok(slot)
            }
            None => Err(SubscribeError::NoReaderSlot { capacity: R }),
        }
    }

    pub(crate) fn release(&self, slot: usize) {
        self.taken[slot].set(false);
        // The old waker is dropped after the cell already holds `None`.
        drop(self.wakers[slot].take());
    }

    /// Remember `waker` for `slot`, cloning only when it changed since last time.
    #[inline]
    pub(crate) fn register(&self, slot: usize, waker: &Waker) {
        let cell = &self.wakers[slot];
        match cell.take() {
            Some(current) if current.will_wake(waker) => cell.set(Some(current)),
            // The replaced waker (if any) is dropped after the new one is stored.
            _ => cell.set(Some(waker.clone())),
        }
    }

    /// Wake every reader waiting for a value.
    #[inline]
    pub(crate) fn wake_all(&self) {
        for cell in &self.wakers {
            if let Some(waker) = cell.take() {
                waker.wake();
            }
        }
    }

    pub(crate) fn count_taken(&self) -> usize {
        self.taken.iter().filter(|taken| taken.get()).count()
    }
}

/// A clone of the value in `cell`, leaving the value in place.
///
/// The value is moved out for the clone and put back afterwards, also when `T::clone`
/// panics. Should `T::clone` re-enter the buffer, it sees this cell empty (no value to
/// read there), which is memory-safe; a value it stores here is replaced by the original.
#[inline]
pub(crate) fn clone_in<T: Clone>(cell: &Cell<Option<T>>) -> Option<T> {
    /// Puts the moved-out value back on every exit path.
    struct Restore<'a, T> {
        cell: &'a Cell<Option<T>>,
        value: Option<T>,
    }
    impl<T> Drop for Restore<'_, T> {
        #[inline]
        fn drop(&mut self) {
            self.cell.set(self.value.take());
        }
    }
    let restore = Restore {
        cell,
        value: cell.take(),
    };
    restore.value.clone()
}
