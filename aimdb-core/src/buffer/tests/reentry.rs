//! Code that runs while a buffer's lock is held (a waker, `T::clone`) may re-enter the
//! buffer on the same thread: the state lives in `Cell`s, so there is no borrow to
//! conflict with. `CriticalSectionRawMutex` nests on one thread, as `NoopRawMutex` does.

extern crate std;

use core::pin::pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Poll, Waker};
use std::sync::Arc;
use std::task::Wake;

use super::poll;
use crate::mutex::{CriticalSectionRawMutex, NoopRawMutex};
use crate::{Consumer, Mailbox, Producer, RecordBuffer, SingleLatest, SpmcRing, TryRecvError};

static RING: SpmcRing<CriticalSectionRawMutex, u32, 4, 1> = SpmcRing::new();

/// A waker that produces into `RING` from inside the producer's `wake_all`.
struct ProducingWaker;

impl Wake for ProducingWaker {
    fn wake(self: Arc<Self>) {
        Producer::new(&RING).produce(99);
        assert_eq!(RING.peek(), Some(99));
    }
}

#[test]
fn a_waker_may_produce_into_the_buffer_that_wakes_it() {
    let mut reader = Consumer::subscribe(&RING).unwrap();
    let waker = Waker::from(Arc::new(ProducingWaker));
    {
        let mut next = pin!(reader.recv());
        assert!(poll(next.as_mut(), &waker).is_pending());
        Producer::new(&RING).produce(1);
        assert_eq!(poll(next.as_mut(), &waker), Poll::Ready(Ok(1)));
    }
    assert_eq!(reader.try_recv(), Ok(99));
    assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));
}

static LATEST: SingleLatest<CriticalSectionRawMutex, Peeking, 1> = SingleLatest::new();
static PEEKED_EMPTY: AtomicBool = AtomicBool::new(false);

/// A value whose `clone` reads the buffer holding it.
#[derive(Debug, PartialEq)]
struct Peeking(u32);

impl Clone for Peeking {
    fn clone(&self) -> Self {
        // The value being cloned is out of its cell, so the buffer looks empty here.
        if self.0 == 1 {
            PEEKED_EMPTY.store(LATEST.peek().is_none(), Ordering::SeqCst);
        }
        Peeking(self.0)
    }
}

#[test]
fn a_clone_may_read_the_buffer_it_is_cloned_from() {
    Producer::new(&LATEST).produce(Peeking(1));
    assert_eq!(LATEST.peek(), Some(Peeking(1)));
    assert!(PEEKED_EMPTY.load(Ordering::SeqCst));
    // The value went back into its cell.
    assert_eq!(
        Consumer::subscribe(&LATEST).unwrap().try_recv(),
        Ok(Peeking(1))
    );
}

static REFUSE_CLONE: AtomicBool = AtomicBool::new(false);

/// A value whose `clone` panics while `REFUSE_CLONE` is set.
#[derive(Debug, PartialEq)]
struct Fragile(u32);

impl Clone for Fragile {
    fn clone(&self) -> Self {
        assert!(!REFUSE_CLONE.load(Ordering::SeqCst), "clone refused");
        Fragile(self.0)
    }
}

fn refusing<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    REFUSE_CLONE.store(true, Ordering::SeqCst);
    let result = std::panic::catch_unwind(core::panic::AssertUnwindSafe(f));
    REFUSE_CLONE.store(false, Ordering::SeqCst);
    result
}

#[test]
fn a_panicking_clone_leaves_the_value_and_the_cursor_in_place() {
    let ring: SpmcRing<NoopRawMutex, Fragile, 2, 1> = SpmcRing::new();
    let mut reader = Consumer::subscribe(&ring).unwrap();
    Producer::new(&ring).produce(Fragile(1));
    assert!(refusing(|| reader.try_recv()).is_err());
    assert!(refusing(|| ring.peek()).is_err());
    assert_eq!(reader.try_recv(), Ok(Fragile(1)));
    assert_eq!(reader.try_recv(), Err(TryRecvError::Empty));

    let latest: SingleLatest<NoopRawMutex, Fragile> = SingleLatest::new();
    let mut reader = Consumer::subscribe(&latest).unwrap();
    Producer::new(&latest).produce(Fragile(2));
    assert!(refusing(|| reader.try_recv()).is_err());
    assert_eq!(reader.try_recv(), Ok(Fragile(2)));

    let mailbox: Mailbox<NoopRawMutex, Fragile> = Mailbox::new();
    Producer::new(&mailbox).produce(Fragile(3));
    assert!(refusing(|| mailbox.peek()).is_err());
    // Taking moves the value out without cloning it.
    let taken = refusing(|| Consumer::subscribe(&mailbox).unwrap().try_recv());
    assert_eq!(taken.ok(), Some(Ok(Fragile(3))));
}
