//! Reader slots and their wakers, shared by all three buffers.

use core::task::Waker;

use super::SubscribeError;

/// `R` reader slots: which are taken and the waker each registered last.
pub(crate) struct ReaderSlots<const R: usize> {
    taken: [bool; R],
    wakers: [Option<Waker>; R],
}

impl<const R: usize> ReaderSlots<R> {
    pub(crate) const fn new() -> Self {
        ReaderSlots {
            taken: [false; R],
            wakers: [const { None }; R],
        }
    }

    pub(crate) fn claim(&mut self) -> Result<usize, SubscribeError> {
        match self.taken.iter().position(|taken| !taken) {
            Some(slot) => {
                self.taken[slot] = true;
                Ok(slot)
            }
            None => Err(SubscribeError::NoReaderSlot { capacity: R }),
        }
    }

    pub(crate) fn release(&mut self, slot: usize) {
        self.taken[slot] = false;
        self.wakers[slot] = None;
    }

    /// Remember `waker` for `slot`, cloning only when it changed since last time.
    pub(crate) fn register(&mut self, slot: usize, waker: &Waker) {
        match &mut self.wakers[slot] {
            Some(current) if current.will_wake(waker) => {}
            entry => *entry = Some(waker.clone()),
        }
    }

    /// Wake every reader waiting for a value.
    pub(crate) fn wake_all(&mut self) {
        for waker in self.wakers.iter_mut() {
            if let Some(waker) = waker.take() {
                waker.wake();
            }
        }
    }

    pub(crate) fn count_taken(&self) -> usize {
        self.taken.iter().filter(|taken| **taken).count()
    }
}
