//! What code outside a generated node may do with its records.
//!
//! A node's buffers are private to the node's module. Outside it, each record is a
//! [`RecordView`]: it can be subscribed to, its newest value read, its figures asked, and
//! nothing else, so no code can write a record behind its declared producer's back.
//!
//! ```
//! use aimdb_core::mutex::CriticalSectionRawMutex as Cs;
//! use aimdb_core::view::RecordView;
//! use aimdb_core::SingleLatest;
//!
//! // What `topology!` emits for a record (the buffer is private to the node's module):
//! static BUFFER: SingleLatest<Cs, u32, 1> = SingleLatest::new();
//! pub static READING: RecordView<u32, SingleLatest<Cs, u32, 1>> = RecordView::new(&BUFFER);
//!
//! assert_eq!(READING.latest(), None);
//! let mut reader = READING.subscribe().expect("a reader slot");
//! assert!(reader.try_recv().is_err());
//! // READING.produce(1) does not exist: the view has no write method.
//! ```
//!
//! When a record's value comes from code that is not a task of the node (a `main` loop, an
//! interrupt handler, a test), the topology declares that code as the record's producer with
//! `.source_handle()` (TOML: `source_handle = true`). The node then has a [`SourceHandle`]
//! for the record, whose one [`Producer`] is [taken](SourceHandle::take) once at run time.

use core::cell::Cell;
use core::fmt;
use core::marker::PhantomData;

use embassy_sync::blocking_mutex::Mutex;

use crate::buffer::{BufferKind, RecordBuffer, SubscribeError};
use crate::handle::{Consumer, Producer};
use crate::mutex::RawMutex;
use crate::{Mailbox, SingleLatest, SpmcRing};

/// Read-only access to a record's buffer: subscribe, newest value, figures.
pub struct RecordView<T: 'static, B: 'static> {
    buffer: &'static B,
    _value: PhantomData<fn() -> T>,
}

impl<T, B> RecordView<T, B> {
    /// The view of `buffer`. Generated code calls this; whoever can name the buffer can
    /// already read it.
    pub const fn new(buffer: &'static B) -> Self {
        RecordView {
            buffer,
            _value: PhantomData,
        }
    }
}

impl<T, B: RecordBuffer<T> + Sync> RecordView<T, B> {
    /// Claim a reader slot: the consumer sees every value produced from now on (a ring) or
    /// the newest one (single-latest, mailbox). Fails when every slot the topology counted
    /// is taken; a node counts one slot per tap, outbound link and transform input, so an
    /// outside reader needs the record to have a free one (declare a tap for it instead).
    pub fn subscribe(&self) -> Result<Consumer<'static, T>, SubscribeError> {
        Consumer::subscribe(self.buffer).map(Consumer::erase)
    }

    /// The newest value held, without consuming anything.
    pub fn latest(&self) -> Option<T> {
        self.buffer.peek()
    }

    /// The buffer's kind.
    pub fn kind(&self) -> BufferKind {
        self.buffer.kind()
    }
}

impl<M: RawMutex, T, const N: usize, const R: usize> RecordView<T, SpmcRing<M, T, N, R>> {
    /// How many values the ring holds.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// How many reader slots are taken.
    pub fn readers(&self) -> usize {
        self.buffer.readers()
    }

    /// How many values were ever produced into the record.
    pub fn produced(&self) -> u64 {
        self.buffer.produced()
    }
}

impl<M: RawMutex, T, const R: usize> RecordView<T, SingleLatest<M, T, R>> {
    /// How many values were ever produced into the record.
    pub fn produced(&self) -> u64 {
        self.buffer.produced()
    }
}

impl<M: RawMutex, T, const R: usize> RecordView<T, Mailbox<M, T, R>> {
    /// How many values were ever produced into the record.
    pub fn produced(&self) -> u64 {
        self.buffer.produced()
    }
}

impl<T, B> fmt::Debug for RecordView<T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordView").finish_non_exhaustive()
    }
}

/// The one producer of a record declared `.source_handle()`: code outside the node's tasks
/// takes it once at run time.
pub struct SourceHandle<M: RawMutex, T: 'static, B: 'static> {
    buffer: &'static B,
    taken: Mutex<M, Cell<bool>>,
    node: &'static str,
    key: &'static str,
    _value: PhantomData<fn(T)>,
}

impl<M: RawMutex, T, B> SourceHandle<M, T, B> {
    /// The handle of `buffer`, record `key` of node `node`. Generated code calls this.
    pub const fn new(buffer: &'static B, node: &'static str, key: &'static str) -> Self {
        SourceHandle {
            buffer,
            taken: Mutex::new(Cell::new(false)),
            node,
            key,
            _value: PhantomData,
        }
    }
}

impl<M: RawMutex, T, B: RecordBuffer<T> + Sync> SourceHandle<M, T, B> {
    /// The record's producer, or `None` if it was taken before.
    pub fn try_take(&self) -> Option<Producer<'static, T>> {
        let first = self.taken.lock(|taken| !taken.replace(true));
        first.then(|| Producer::new(self.buffer).erase())
    }

    /// The record's producer.
    ///
    /// # Panics
    /// On the second call: a record has exactly one producer, so the handle is given out
    /// once. Pass the first producer (it is `Copy`) to where it is needed.
    pub fn take(&self) -> Producer<'static, T> {
        match self.try_take() {
            Some(producer) => producer,
            None => panic!(
                "the producer of record `{}` (node `{}`, declared `.source_handle()`) was already taken: a record has exactly one producer, so take it once and pass that handle (it is Copy) where it is needed",
                self.key, self.node
            ),
        }
    }
}

impl<M: RawMutex, T, B> fmt::Debug for SourceHandle<M, T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceHandle")
            .field("node", &self.node)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::mutex::CriticalSectionRawMutex;

    type Ring = SpmcRing<CriticalSectionRawMutex, u32, 4, 2>;
    static RING: Ring = SpmcRing::new();
    static VIEW: RecordView<u32, Ring> = RecordView::new(&RING);
    static HANDLE: SourceHandle<CriticalSectionRawMutex, u32, Ring> =
        SourceHandle::new(&RING, "node", "numbers");

    #[test]
    fn the_handle_is_taken_once_and_the_view_sees_its_values() {
        let mut reader = VIEW.subscribe().unwrap();
        assert_eq!((VIEW.capacity(), VIEW.readers()), (4, 1));
        let producer = HANDLE.take();
        assert!(HANDLE.try_take().is_none());
        producer.produce(7);
        assert_eq!(reader.try_recv(), Ok(7));
        assert_eq!(VIEW.latest(), Some(7));
        assert_eq!(VIEW.produced(), 1);
        let second = std::panic::catch_unwind(|| HANDLE.take()).unwrap_err();
        let message = second.downcast_ref::<std::string::String>().unwrap();
        assert!(
            message.contains("record `numbers` (node `node`"),
            "{message}"
        );
    }
}
