//! `SpmcRing`: bounded history, independent readers, lag reported.

use core::cell::Cell;
use core::task::{Context, Poll};

use embassy_sync::blocking_mutex::{Mutex, raw::RawMutex};

use super::reader_slots::{ReaderSlots, clone_in};
use super::{
    BufferKind, ReaderCursor, RecordBuffer, RecvError, SubscribeError, TryRecvError, poll_from,
};

/// A single-producer, multi-consumer ring of exactly `N` values with `R` reader slots.
///
/// Producing never blocks: when the ring is full the oldest value is overwritten. Each
/// reader is an independent cursor that starts at the next value produced after it
/// subscribed. A reader that fell more than `N` values behind gets
/// [`RecvError::Lagged(n)`](RecvError::Lagged) once, with `n` the number of values it missed,
/// and then the oldest values still held: capacity 4 and ten pushes read as
/// `Lagged(6), 6, 7, 8, 9`, then empty.
///
/// ```
/// use aimdb_core::{Consumer, Producer, SpmcRing, TryRecvError, mutex::NoopRawMutex};
///
/// let ring: SpmcRing<NoopRawMutex, u32, 4, 1> = SpmcRing::new();
/// let mut reader = Consumer::subscribe(&ring).unwrap();
/// for v in 0..10 {
///     Producer::new(&ring).produce(v);
/// }
/// assert_eq!(reader.try_recv(), Err(TryRecvError::Lagged(6)));
/// assert_eq!(reader.try_recv(), Ok(6));
/// ```
pub struct SpmcRing<M: RawMutex, T, const N: usize, const R: usize = 1> {
    state: Mutex<M, RingState<T, N, R>>,
}

/// Every field is a `Cell` (see `reader_slots`): no borrow flag, safe to re-enter.
struct RingState<T, const N: usize, const R: usize> {
    values: [Cell<Option<T>>; N],
    /// Sequence number the next value will get; also the count of values ever produced.
    next_seq: Cell<u64>,
    /// Index in `values` the next value goes to.
    write_index: Cell<usize>,
    readers: ReaderSlots<R>,
}

impl<M: RawMutex, T, const N: usize, const R: usize> SpmcRing<M, T, N, R> {
    /// An empty ring. `N` must be at least 1 (checked at compile time).
    pub const fn new() -> Self {
        const { assert!(N > 0, "SpmcRing capacity must be at least 1") };
        SpmcRing {
            state: Mutex::new(RingState {
                values: [const { Cell::new(None) }; N],
                next_seq: Cell::new(0),
                write_index: Cell::new(0),
                readers: ReaderSlots::new(),
            }),
        }
    }

    /// How many values the ring holds (`N`, exactly).
    pub const fn capacity(&self) -> usize {
        N
    }

    /// How many values were ever produced into this ring.
    pub fn produced(&self) -> u64 {
        self.state.lock(|s| s.next_seq.get())
    }

    /// How many reader slots are taken.
    pub fn readers(&self) -> usize {
        self.state.lock(|s| s.readers.count_taken())
    }
}

impl<M: RawMutex, T, const N: usize, const R: usize> Default for SpmcRing<M, T, N, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone, const N: usize, const R: usize> RingState<T, N, R> {
    #[inline]
    fn take_next(&self, cursor: &mut ReaderCursor) -> Result<T, TryRecvError> {
        let next_seq = self.next_seq.get();
        let oldest = next_seq.saturating_sub(N as u64);
        if cursor.seq < oldest {
            // The ring is full here, so the oldest value sits where the next write goes.
            let missed = oldest - cursor.seq;
            cursor.seq = oldest;
            cursor.index = self.write_index.get();
            return Err(TryRecvError::Lagged(missed));
        }
        if cursor.seq == next_seq {
            return Err(TryRecvError::Empty);
        }
        // Every index between `oldest` and `next_seq` has been written, so this is `None`
        // only if `T::clone` of this very value re-entered and read it.
        let value = clone_in(&self.values[cursor.index]).ok_or(TryRecvError::Empty)?;
        cursor.seq += 1;
        cursor.index = if cursor.index + 1 == N {
            0
        } else {
            cursor.index + 1
        };
        Ok(value)
    }
}

impl<M, T, const N: usize, const R: usize> RecordBuffer<T> for SpmcRing<M, T, N, R>
where
    M: RawMutex,
    T: Clone,
{
    fn produce(&self, value: T) {
        let (overwritten, waiting) = self.state.lock(|s| {
            let index = s.write_index.get();
            let overwritten = s.values[index].replace(Some(value));
            s.write_index
                .set(if index + 1 == N { 0 } else { index + 1 });
            s.next_seq.set(s.next_seq.get() + 1);
            (overwritten, s.readers.take_waiting())
        });
        // Readers first, then the old value's `drop`: neither runs under the lock.
        waiting.wake();
        drop(overwritten);
    }

    fn subscribe(&self) -> Result<ReaderCursor, SubscribeError> {
        self.state.lock(|s| {
            let slot = s.readers.claim()?;
            Ok(ReaderCursor {
                slot,
                seq: s.next_seq.get(),
                index: s.write_index.get(),
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
        self.state.lock(|s| {
            if s.next_seq.get() == 0 {
                return None;
            }
            let write_index = s.write_index.get();
            let newest = if write_index == 0 {
                N - 1
            } else {
                write_index - 1
            };
            clone_in(&s.values[newest])
        })
    }

    fn kind(&self) -> BufferKind {
        BufferKind::SpmcRing { capacity: N }
    }
}
