//! The checker bites: a buffer that forgets to keep the reader's waker (it registers a
//! no-op waker instead) must make loom report the lost wake-up as a deadlock. Without this,
//! a model that passed might only mean loom never looked.

use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use aimdb_core::SpmcRing;
use aimdb_core::buffer::{
    BufferKind, ReaderCursor, RecordBuffer, RecvError, SubscribeError, TryRecvError,
};
use aimdb_loom::{LoomRawMutex, explore, recv};
use loom::thread;

/// `SpmcRing` with one bug: `poll_recv` registers a waker that does nothing.
struct LosesWakeups(SpmcRing<LoomRawMutex, u32, 2, 1>);

impl RecordBuffer<u32> for LosesWakeups {
    fn produce(&self, value: u32) {
        self.0.produce(value)
    }
    fn subscribe(&self) -> Result<ReaderCursor, SubscribeError> {
        self.0.subscribe()
    }
    fn unsubscribe(&self, cursor: &ReaderCursor) {
        self.0.unsubscribe(cursor)
    }
    fn poll_recv(
        &self,
        cursor: &mut ReaderCursor,
        _cx: &mut Context<'_>,
    ) -> Poll<Result<u32, RecvError>> {
        self.0
            .poll_recv(cursor, &mut Context::from_waker(Waker::noop()))
    }
    fn try_recv(&self, cursor: &mut ReaderCursor) -> Result<u32, TryRecvError> {
        self.0.try_recv(cursor)
    }
    fn peek(&self) -> Option<u32> {
        self.0.peek()
    }
    fn kind(&self) -> BufferKind {
        self.0.kind()
    }
}

#[test]
#[should_panic]
fn a_lost_wakeup_is_reported() {
    explore(
        "sanity: a buffer that loses wake-ups (must fail)",
        None,
        || {
            let ring = Arc::new(LosesWakeups(SpmcRing::new()));
            let mut cursor = ring.subscribe().unwrap();
            let writer = {
                let ring = ring.clone();
                thread::spawn(move || ring.produce(1))
            };
            assert_eq!(recv(&*ring, &mut cursor), Ok(1));
            writer.join().unwrap();
        },
    );
}
