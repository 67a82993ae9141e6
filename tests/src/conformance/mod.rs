//! The buffer conformance suite, written once and run on every executor.
//!
//! Each case is an `async fn` that takes a `&'static` buffer and a [`Spawn`] handle, so the
//! same code runs on tokio (current-thread and multi-thread) and on the embassy executor.
//! [`conformance_suite!`](crate::conformance_suite) instantiates every case as a `#[test]`
//! with its buffer in a `static` (the way a compiled topology holds it) over the executor's
//! mutex, and hands the case to the executor's runner:
//!
//! ```ignore
//! aimdb_tests::conformance_suite!(mutex = StdRawMutex, run = run_on_multi_thread);
//! ```
//!
//! A runner is `fn(make: impl FnOnce(&'static dyn Spawn) -> BoxedTask + Send + 'static)`: it
//! starts the executor, runs the case to completion and fails the test on a panic or after
//! a timeout (a lost wake-up shows as a hang).

use core::future::{Future, poll_fn};
use core::pin::Pin;
use core::task::Poll;

pub use aimdb::mutex::RawMutex;
pub use aimdb::{
    Consumer, Mailbox, Producer, RecordBuffer, RecvError, SingleLatest, SpmcRing, SubscribeError,
    TryRecvError,
};

pub mod common;
pub mod latest;
pub mod mailbox;
pub mod ring;

/// A task as the runners spawn it.
pub type BoxedTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Spawning a task on the executor that runs the case.
pub trait Spawn: Sync {
    /// Start `task` on the executor; it runs concurrently with the caller.
    fn spawn(&self, task: BoxedTask);
}

/// Poll `future` once with the calling task's real context, so a `Pending` leaves that
/// task's waker registered.
pub async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
}

/// Give the executor a turn: wake self and return `Pending` once.
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

/// Yield until `done()` holds. The runner's timeout bounds the wait.
pub async fn until(mut done: impl FnMut() -> bool) {
    while !done() {
        yield_now().await;
    }
}

/// Instantiates every conformance case as a `#[test]` for one executor.
///
/// `mutex` is the buffers' `RawMutex` (it must be `Sync`: the buffers are `static`s shared
/// between tasks); `run` is the executor's runner (see the [module docs](crate::conformance)).
#[macro_export]
macro_rules! conformance_suite {
    (mutex = $m:ty, run = $run:path $(,)?) => {
        $crate::__conformance_cases! { $run;
            // SpmcRing
            ring_lagged_once_then_oldest => ring::lagged_once_then_oldest, $crate::conformance::SpmcRing<$m, u32, 4, 2>;
            ring_independent_cursors => ring::independent_cursors, $crate::conformance::SpmcRing<$m, u32, 8, 3>;
            ring_capacity_is_exact => ring::capacity_is_exact, $crate::conformance::SpmcRing<$m, u32, 5, 1>;
            ring_capacity_one => ring::capacity_one, $crate::conformance::SpmcRing<$m, u32, 1, 1>;
            ring_peek_is_newest_and_consumes_nothing => ring::peek_is_newest, $crate::conformance::SpmcRing<$m, u32, 4, 1>;
            ring_reader_before_and_after_first_value => ring::reader_before_and_after_first_value, $crate::conformance::SpmcRing<$m, u32, 4, 2>;
            // SingleLatest
            latest_collapses => latest::collapses, $crate::conformance::SingleLatest<$m, u32, 2>;
            latest_late_subscriber_sees_value_once => latest::late_subscriber_sees_value_once, $crate::conformance::SingleLatest<$m, u32, 2>;
            latest_peek_does_not_consume => latest::peek_does_not_consume, $crate::conformance::SingleLatest<$m, u32, 2>;
            latest_fans_out => latest::fans_out, $crate::conformance::SingleLatest<$m, u32, 2>;
            // Mailbox
            mailbox_overwrites_and_is_taken_on_read => mailbox::overwrites_and_is_taken_on_read, $crate::conformance::Mailbox<$m, u32, 2>;
            mailbox_readers_compete => mailbox::readers_compete, $crate::conformance::Mailbox<$m, u32, 2>;
            mailbox_no_fan_out_across_tasks => mailbox::no_fan_out_across_tasks, $crate::conformance::Mailbox<$m, u32, 2>;
            // Every kind
            ring_producer_without_readers => common::producer_without_readers, $crate::conformance::SpmcRing<$m, u32, 4, 2>;
            latest_producer_without_readers => common::producer_without_readers, $crate::conformance::SingleLatest<$m, u32, 2>;
            mailbox_producer_without_readers => common::producer_without_readers, $crate::conformance::Mailbox<$m, u32, 2>;
            ring_reader_slot_exhaustion => common::reader_slot_exhaustion, $crate::conformance::SpmcRing<$m, u32, 4, 2>;
            latest_reader_slot_exhaustion => common::reader_slot_exhaustion, $crate::conformance::SingleLatest<$m, u32, 2>;
            mailbox_reader_slot_exhaustion => common::reader_slot_exhaustion, $crate::conformance::Mailbox<$m, u32, 2>;
            ring_one_reader_slot => common::reader_slot_exhaustion, $crate::conformance::SpmcRing<$m, u32, 4, 1>;
            latest_one_reader_slot => common::reader_slot_exhaustion, $crate::conformance::SingleLatest<$m, u32, 1>;
            mailbox_one_reader_slot => common::reader_slot_exhaustion, $crate::conformance::Mailbox<$m, u32, 1>;
            ring_dropped_reader_leaves_others => common::dropped_reader_leaves_others, $crate::conformance::SpmcRing<$m, u32, 4, 2>;
            latest_dropped_reader_leaves_others => common::dropped_reader_leaves_others, $crate::conformance::SingleLatest<$m, u32, 2>;
            mailbox_dropped_reader_leaves_others => common::dropped_reader_leaves_others, $crate::conformance::Mailbox<$m, u32, 2>;
            ring_recv_wakes_across_tasks => common::recv_wakes_across_tasks, $crate::conformance::SpmcRing<$m, u32, 4, 2>;
            latest_recv_wakes_across_tasks => common::recv_wakes_across_tasks, $crate::conformance::SingleLatest<$m, u32, 2>;
            mailbox_recv_wakes_across_tasks => common::recv_wakes_across_tasks, $crate::conformance::Mailbox<$m, u32, 2>;
            ring_stream_across_tasks => common::stream_across_tasks, $crate::conformance::SpmcRing<$m, u32, 4, 2>;
            latest_stream_across_tasks => common::stream_across_tasks, $crate::conformance::SingleLatest<$m, u32, 2>;
            mailbox_stream_across_tasks => common::stream_across_tasks, $crate::conformance::Mailbox<$m, u32, 2>;
        }
    };
}

/// One `#[test]` per case; used by [`conformance_suite!`](crate::conformance_suite).
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_cases {
    ($run:path; $($name:ident => $module:ident :: $case:ident, $buffer:ty;)*) => {
        $(
            #[test]
            fn $name() {
                static BUFFER: $buffer = <$buffer>::new();
                $run(|spawn: &'static dyn $crate::conformance::Spawn| -> $crate::conformance::BoxedTask {
                    ::std::boxed::Box::pin($crate::conformance::$module::$case(&BUFFER, spawn))
                });
            }
        )*
    };
}
