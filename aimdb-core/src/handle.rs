//! Producer and consumer handles.
//!
//! Both are generic over the buffer with a type-erased default, so one signature serves
//! every buffer kind: a user function takes `Producer<'static, Temperature>` or
//! `Consumer<'static, Temperature>` and keeps working when the topology switches the record
//! from a ring to a single-latest buffer. Code that knows the concrete buffer (benchmarks,
//! generated glue) names it and pays no indirection.
//!
//! The erased form is `dyn RecordBuffer<T> + Sync`, so an erased handle can move to another
//! thread or task. A buffer over `NoopRawMutex` is not `Sync`; its handles name the concrete
//! buffer type and stay on one executor.

use core::fmt;
use core::future::{Future, IntoFuture, Ready, poll_fn};
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::task::{Context, Poll};

use crate::buffer::{ReaderCursor, RecordBuffer, RecvError, SubscribeError, TryRecvError};

/// The write end of a record.
///
/// [`produce`](Producer::produce) stores the value at once and never blocks. Its result may
/// be ignored or `.await`ed (the seed writes `let _ = producer.produce(v).await;`).
pub struct Producer<'a, T, B: ?Sized + RecordBuffer<T> = dyn RecordBuffer<T> + Sync + 'a> {
    buffer: &'a B,
    _value: PhantomData<fn(T)>,
}

impl<'a, T, B: ?Sized + RecordBuffer<T>> Producer<'a, T, B> {
    /// A producer writing into `buffer`.
    pub const fn new(buffer: &'a B) -> Self {
        Producer {
            buffer,
            _value: PhantomData,
        }
    }

    /// Store `value` and wake the readers. Synchronous; the returned [`Produced`] can be
    /// awaited for symmetry with async code and resolves immediately.
    #[inline]
    pub fn produce(&self, value: T) -> Produced {
        self.buffer.produce(value);
        Produced(())
    }

    /// The same producer with the buffer type erased.
    pub fn erase(self) -> Producer<'a, T>
    where
        B: Sized + Sync + 'a,
    {
        Producer {
            buffer: self.buffer,
            _value: PhantomData,
        }
    }
}

impl<T, B: ?Sized + RecordBuffer<T>> Clone for Producer<'_, T, B> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, B: ?Sized + RecordBuffer<T>> Copy for Producer<'_, T, B> {}

impl<T, B: ?Sized + RecordBuffer<T>> fmt::Debug for Producer<'_, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Producer").finish_non_exhaustive()
    }
}

/// The outcome of [`Producer::produce`]: the value is already stored. Awaiting it yields `()`
/// at once.
#[derive(Debug)]
pub struct Produced(());

impl IntoFuture for Produced {
    type Output = ();
    type IntoFuture = Ready<()>;

    fn into_future(self) -> Ready<()> {
        core::future::ready(())
    }
}

/// The read end of a record: one reader slot and its cursor.
///
/// Dropping the consumer frees its reader slot; other readers are unaffected.
pub struct Consumer<'a, T, B: ?Sized + RecordBuffer<T> = dyn RecordBuffer<T> + Sync + 'a> {
    buffer: &'a B,
    cursor: ReaderCursor,
    _value: PhantomData<fn() -> T>,
}

impl<'a, T, B: ?Sized + RecordBuffer<T>> Consumer<'a, T, B> {
    /// Claim a reader slot of `buffer`.
    pub fn subscribe(buffer: &'a B) -> Result<Self, SubscribeError> {
        let cursor = buffer.subscribe()?;
        Ok(Consumer {
            buffer,
            cursor,
            _value: PhantomData,
        })
    }

    /// Wait for the next value for this reader.
    ///
    /// On a ring, a reader that fell behind gets [`RecvError::Lagged`] once, then the oldest
    /// values still held. Cancel-safe: dropping the future loses nothing.
    #[inline]
    pub fn recv(&mut self) -> impl Future<Output = Result<T, RecvError>> {
        poll_fn(move |cx| self.buffer.poll_recv(&mut self.cursor, cx))
    }

    /// Take the next value for this reader, or register `cx`'s waker and return `Pending`:
    /// the poll form of [`recv`](Self::recv), for code that polls several consumers together
    /// (a join's receiver).
    #[inline]
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        self.buffer.poll_recv(&mut self.cursor, cx)
    }

    /// The next value for this reader, if there is one now.
    #[inline]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.buffer.try_recv(&mut self.cursor)
    }

    /// The newest value held, without consuming it.
    pub fn peek(&self) -> Option<T> {
        self.buffer.peek()
    }

    /// The same consumer with the buffer type erased; the reader slot moves with it.
    pub fn erase(self) -> Consumer<'a, T>
    where
        B: Sized + Sync + 'a,
    {
        let this = ManuallyDrop::new(self);
        Consumer {
            buffer: this.buffer,
            cursor: this.cursor,
            _value: PhantomData,
        }
    }
}

impl<T, B: ?Sized + RecordBuffer<T>> Drop for Consumer<'_, T, B> {
    fn drop(&mut self) {
        self.buffer.unsubscribe(&self.cursor);
    }
}

impl<T, B: ?Sized + RecordBuffer<T>> fmt::Debug for Consumer<'_, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumer")
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}
