//! The three record buffers and the object-safe interface handles use.
//!
//! | buffer | keeps | readers |
//! | --- | --- | --- |
//! | [`SpmcRing`] | the last `N` values | independent cursors; a slow reader gets [`RecvError::Lagged`] once |
//! | [`SingleLatest`] | the current value | each sees the newest value once; `peek` does not consume |
//! | [`Mailbox`] | one pending instruction | compete: the first to read takes it |
//!
//! Every buffer is `const fn new()`, lives in a `static`, allocates nothing and is sized by
//! const generics: `N` values and `R` reader slots. A compiled topology counts the readers
//! of each record, so [`SubscribeError::NoReaderSlot`] cannot happen in generated code.

use core::fmt;
use core::task::{Context, Poll};

mod latest;
mod mailbox;
mod reader_slots;
mod ring;

pub use latest::SingleLatest;
pub use mailbox::Mailbox;
pub use ring::SpmcRing;

/// Which kind of buffer backs a record, with its configuration.
///
/// This is the run-time twin of the `BufferCfg` the topology macro parses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BufferKind {
    /// Bounded history of `capacity` values, independent readers, lag reported.
    SpmcRing {
        /// How many values the ring holds.
        capacity: usize,
    },
    /// The current value only.
    SingleLatest,
    /// The latest instruction, taken once.
    Mailbox,
}

/// Why an async receive returned no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecvError {
    /// The reader fell behind a ring and `n` values were overwritten before it read them.
    /// The next receive returns the oldest value still held.
    Lagged(u64),
}

impl core::error::Error for RecvError {}

/// Why a non-blocking receive returned no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TryRecvError {
    /// Nothing new for this reader.
    Empty,
    /// The reader fell behind a ring by `n` values (see [`RecvError::Lagged`]).
    Lagged(u64),
}

impl core::error::Error for TryRecvError {}

/// Why a reader could not be created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscribeError {
    /// All `capacity` reader slots of the buffer are taken.
    NoReaderSlot {
        /// The buffer's reader slot count (its `R` parameter).
        capacity: usize,
    },
}

impl core::error::Error for SubscribeError {}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Lagged(n) => write!(f, "reader lagged behind by {n} values"),
        }
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("no new value"),
            TryRecvError::Lagged(n) => write!(f, "reader lagged behind by {n} values"),
        }
    }
}

impl fmt::Display for SubscribeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubscribeError::NoReaderSlot { capacity } => write!(
                f,
                "all {capacity} reader slots of this buffer are taken; raise its reader count"
            ),
        }
    }
}

/// A reader's position in a buffer. Opaque; owned by a [`Consumer`](crate::Consumer).
#[derive(Clone, Copy, Debug)]
pub struct ReaderCursor {
    /// The reader slot (waker index) this reader owns.
    pub(crate) slot: usize,
    /// Ring: sequence number of the next value to read. Single-latest: last version seen.
    pub(crate) seq: u64,
    /// Ring: index of `seq` in the slot array, kept alongside to avoid a 64-bit modulo.
    pub(crate) index: usize,
}

/// The interface every buffer offers to [`Producer`](crate::Producer) and
/// [`Consumer`](crate::Consumer) handles.
///
/// It is object safe, so user functions can take `Consumer<'static, T>` whatever buffer the
/// topology picked, and generic code can use a concrete buffer with no indirection.
///
/// A buffer is `Sync` exactly when its mutex is, so the trait does not demand it: a buffer
/// over `NoopRawMutex` stays usable on one executor, and the erased handles ask for
/// `dyn RecordBuffer<T> + Sync` where they cross threads.
pub trait RecordBuffer<T> {
    /// Store a value and wake readers. Never blocks, never fails.
    fn produce(&self, value: T);
    /// Claim a reader slot.
    fn subscribe(&self) -> Result<ReaderCursor, SubscribeError>;
    /// Release the reader slot of `cursor`.
    fn unsubscribe(&self, cursor: &ReaderCursor);
    /// Take the next value for this reader, or register `cx`'s waker and return `Pending`.
    fn poll_recv(
        &self,
        cursor: &mut ReaderCursor,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>>;
    /// Take the next value for this reader without waiting.
    fn try_recv(&self, cursor: &mut ReaderCursor) -> Result<T, TryRecvError>;
    /// The newest value held, without consuming anything.
    fn peek(&self) -> Option<T>;
    /// What kind of buffer this is.
    fn kind(&self) -> BufferKind;
}

/// Turns the shared "take or register" step into the two receive flavours.
pub(crate) fn poll_from<T>(result: Result<T, TryRecvError>) -> Poll<Result<T, RecvError>> {
    match result {
        Ok(value) => Poll::Ready(Ok(value)),
        Err(TryRecvError::Lagged(n)) => Poll::Ready(Err(RecvError::Lagged(n))),
        Err(TryRecvError::Empty) => Poll::Pending,
    }
}

#[cfg(test)]
mod tests;
