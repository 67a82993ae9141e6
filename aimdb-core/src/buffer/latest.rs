//! `SingleLatest`: the current value.

use core::cell::Cell;
use core::task::{Context, Poll};

use embassy_sync::blocking_mutex::{Mutex, raw::RawMutex};

use super::reader_slots::{ReaderSlots, clone_in};
use super::{
    BufferKind, ReaderCursor, RecordBuffer, RecvError, SubscribeError, TryRecvError, poll_from,
};

/// The current value of a record, with `R` reader slots.
///
/// Intermediate values collapse: a reader sees the newest value once, however many were
/// produced since it last read. A reader that subscribes after a value exists sees that
/// value once. [`peek`](RecordBuffer::peek) reads the current value without consuming it.
pub struct SingleLatest<M: RawMutex, T, const R: usize = 1> {
    state: Mutex<M, LatestState<T, R>>,
}

/// Every field is a `Cell` (see `reader_slots`): no borrow flag, safe to re-enter.
struct LatestState<T, const R: usize> {
    value: Cell<Option<T>>,
    /// Bumped on every produce; a reader's cursor holds the version it saw last. Version 0
    /// is "nothing produced yet", so `value` is `Some` whenever `version` is not 0.
    version: Cell<u64>,
    readers: ReaderSlots<R>,
}

impl<M: RawMutex, T, const R: usize> SingleLatest<M, T, R> {
    /// An empty buffer.
    pub const fn new() -> Self {
        SingleLatest {
            state: Mutex::new(LatestState {
                value: Cell::new(None),
                version: Cell::new(0),
                readers: ReaderSlots::new(),
            }),
        }
    }

    /// How many values were ever produced into this buffer.
    pub fn produced(&self) -> u64 {
        self.state.lock(|s| s.version.get())
    }
}

impl<M: RawMutex, T, const R: usize> Default for SingleLatest<M, T, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone, const R: usize> LatestState<T, R> {
    #[inline]
    fn take_next(&self, cursor: &mut ReaderCursor) -> Result<T, TryRecvError> {
        let version = self.version.get();
        if cursor.seq == version {
            return Err(TryRecvError::Empty);
        }
        // `version != 0` here (a cursor starts at 0), so a value is held.
        match clone_in(&self.value) {
            Some(value) => {
                cursor.seq = version;
                Ok(value)
            }
            // Only if `T::clone` of this very value re-entered and read it.
            None => Err(TryRecvError::Empty),
        }
    }
}

impl<M, T, const R: usize> RecordBuffer<T> for SingleLatest<M, T, R>
where
    M: RawMutex,
    T: Clone,
{
    fn produce(&self, value: T) {
        let (replaced, waiting) = self.state.lock(|s| {
            let replaced = s.value.replace(Some(value));
            s.version.set(s.version.get() + 1);
            (replaced, s.readers.take_waiting())
        });
        // Readers first, then the old value's `drop`: neither runs under the lock.
        waiting.wake();
        drop(replaced);
    }

    fn subscribe(&self) -> Result<ReaderCursor, SubscribeError> {
        self.state.lock(|s| {
            let slot = s.readers.claim()?;
            // Version 0 means "seen nothing", so an existing value is delivered once.
            Ok(ReaderCursor {
                slot,
                seq: 0,
                index: 0,
            })
        })
    }

    fn unsubscribe(&self, cursor: &ReaderCursor) {
        self.state.lock(|s| s.readers.release(cursor.slot))
    }

    fn poll_recv(
        &self,
        cursor: &mut ReaderCursor,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        self.state.lock(|s| {
            let result = s.take_next(cursor);
            if matches!(result, Err(TryRecvError::Empty)) {
                s.readers.register(cursor.slot, cx.waker());
            }
            poll_from(result)
        })
    }

    fn try_recv(&self, cursor: &mut ReaderCursor) -> Result<T, TryRecvError> {
        self.state.lock(|s| s.take_next(cursor))
    }

    fn peek(&self) -> Option<T> {
        self.state.lock(|s| clone_in(&s.value))
    }

    fn kind(&self) -> BufferKind {
        BufferKind::SingleLatest
    }
}
