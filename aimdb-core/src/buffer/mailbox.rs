//! `Mailbox`: the latest instruction, taken once.

use core::cell::Cell;
use core::task::{Context, Poll};

use embassy_sync::blocking_mutex::{Mutex, raw::RawMutex};

use super::reader_slots::{ReaderSlots, clone_in};
use super::{BufferKind, ReaderCursor, RecordBuffer, RecvError, SubscribeError, TryRecvError};

/// One slot holding the latest instruction, with `R` reader slots.
///
/// Producing overwrites a pending instruction that nobody took yet. Reading takes it, so
/// readers compete: exactly one of them gets each instruction (no fan-out).
pub struct Mailbox<M: RawMutex, T, const R: usize = 1> {
    state: Mutex<M, MailboxState<T, R>>,
}

/// Every field is a `Cell` (see `reader_slots`): no borrow flag, safe to re-enter.
struct MailboxState<T, const R: usize> {
    pending: Cell<Option<T>>,
    produced: Cell<u64>,
    readers: ReaderSlots<R>,
}

impl<M: RawMutex, T, const R: usize> Mailbox<M, T, R> {
    /// An empty mailbox.
    pub const fn new() -> Self {
        Mailbox {
            state: Mutex::new(MailboxState {
                pending: Cell::new(None),
                produced: Cell::new(0),
                readers: ReaderSlots::new(),
            }),
        }
    }

    /// How many instructions were ever produced into this mailbox.
    pub fn produced(&self) -> u64 {
        self.state.lock(|s| s.produced.get())
    }
}

impl<M: RawMutex, T, const R: usize> Default for Mailbox<M, T, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M, T, const R: usize> RecordBuffer<T> for Mailbox<M, T, R>
where
    M: RawMutex,
    T: Clone,
{
    fn produce(&self, value: T) {
        let (replaced, waiting) = self.state.lock(|s| {
            // An instruction nobody took yet is replaced.
            let replaced = s.pending.replace(Some(value));
            s.produced.set(s.produced.get() + 1);
            // Wake every waiting reader: the first to run takes the value, the others
            // register again. Waking one could strand the value with a reader that was dropped.
            (replaced, s.readers.take_waiting())
        });
        // Readers first, then the old value's `drop`: neither runs under the lock.
        waiting.wake();
        drop(replaced);
    }

    fn subscribe(&self) -> Result<ReaderCursor, SubscribeError> {
        self.state.lock(|s| {
            let slot = s.readers.claim()?;
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
        self.state.lock(|s| match s.pending.take() {
            Some(value) => Poll::Ready(Ok(value)),
            None => {
                s.readers.register(cursor.slot, cx.waker());
                Poll::Pending
            }
        })
    }

    fn try_recv(&self, _cursor: &mut ReaderCursor) -> Result<T, TryRecvError> {
        self.state
            .lock(|s| s.pending.take().ok_or(TryRecvError::Empty))
    }

    fn peek(&self) -> Option<T> {
        self.state.lock(|s| clone_in(&s.pending))
    }

    fn kind(&self) -> BufferKind {
        BufferKind::Mailbox
    }
}
