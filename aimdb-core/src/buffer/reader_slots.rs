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
    /// How many of `wakers` are `Some`, so a produce with nobody waiting (the common case
    /// under load) checks one number instead of taking every slot. Updated in the same
    /// step as the cell it counts, with no foreign code in between, so it stays exact even
    /// when a waker's `clone` or `drop` re-enters the buffer.
    waiting: Cell<usize>,
}

impl<const R: usize> ReaderSlots<R> {
    pub(crate) const fn new() -> Self {
        ReaderSlots {
            taken: [const { Cell::new(false) }; R],
            wakers: [const { Cell::new(None) }; R],
            waiting: Cell::new(0),
        }
    }

    /// Take the waker of `slot`, keeping `waiting` exact.
    #[inline]
    fn take_waker(&self, slot: usize) -> Option<Waker> {
        let waker = self.wakers[slot].take();
        if waker.is_some() {
            self.waiting.set(self.waiting.get() - 1);
        }
        waker
    }

    /// Store `waker` for `slot`, keeping `waiting` exact. Returns the waker it replaced, for
    /// the caller to drop once the state is consistent.
    #[inline]
    fn put_waker(&self, slot: usize, waker: Waker) -> Option<Waker> {
        let old = self.wakers[slot].replace(Some(waker));
        if old.is_none() {
            self.waiting.set(self.waiting.get() + 1);
        }
        old
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
        drop(self.take_waker(slot));
    }

    /// Remember `waker` for `slot`, cloning only when it changed since last time.
    ///
    /// Kept out of line: inlined, its calls through the waker vtable make the receive path
    /// save and restore registers even when a value is ready and nothing is registered.
    #[inline(never)]
    pub(crate) fn register(&self, slot: usize, waker: &Waker) {
        // `will_wake` only compares pointers; `clone` and `drop` may run foreign code, so
        // they run between whole steps.
        let old = match self.take_waker(slot) {
            Some(current) if current.will_wake(waker) => self.put_waker(slot, current),
            current => {
                drop(current);
                self.put_waker(slot, waker.clone())
            }
        };
        drop(old);
    }

    /// Take the wakers of every reader waiting for a value, to wake them once the lock is
    /// released: a woken reader on another thread then finds the lock free instead of
    /// spinning while the producer is still inside `wake` (a syscall for a parked thread).
    #[inline]
    pub(crate) fn take_waiting(&self) -> Waiting<R> {
        if self.waiting.get() == 0 {
            return Waiting(None);
        }
        Waiting(Some(core::array::from_fn(|slot| self.take_waker(slot))))
    }

    pub(crate) fn count_taken(&self) -> usize {
        self.taken.iter().filter(|taken| taken.get()).count()
    }
}

/// Wakers taken under a buffer's lock by [`ReaderSlots::take_waiting`].
#[must_use = "the readers wait until `wake` is called"]
pub(crate) struct Waiting<const R: usize>(Option<[Option<Waker>; R]>);

impl<const R: usize> Waiting<R> {
    /// Wake the readers. Call after the lock is released.
    #[inline]
    pub(crate) fn wake(self) {
        if let Some(wakers) = self.0 {
            wakers.into_iter().flatten().for_each(Waker::wake);
        }
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
