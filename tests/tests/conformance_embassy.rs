//! The buffer conformance suite on the embassy executor running on the host
//! (`platform-std`), buffers over `CriticalSectionRawMutex`.
//!
//! `Executor` needs a thread of its own; the case's outcome comes back through a std channel
//! so the test can time out instead of hanging on a lost wake-up.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use aimdb_tests::conformance::{BoxedTask, Spawn};
use embassy_executor::{Executor, SendSpawner};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Any boxed task as an embassy task. The pool is shared by the tests running in parallel;
/// each case keeps at most three tasks alive.
#[embassy_executor::task(pool_size = 64)]
async fn boxed(task: BoxedTask) {
    task.await
}

struct EmbassySpawn(SendSpawner);

impl Spawn for EmbassySpawn {
    fn spawn(&self, task: BoxedTask) {
        self.0
            .spawn(boxed(task).expect("embassy task pool exhausted"));
    }
}

fn run_on_embassy(make: impl FnOnce(&'static dyn Spawn) -> BoxedTask + Send + 'static) {
    let (outcome, finished) = mpsc::channel::<Result<(), String>>();
    thread::Builder::new()
        .name("embassy-executor".into())
        .spawn(move || {
            let executor: &'static mut Executor = Box::leak(Box::new(Executor::new()));
            let done = Arc::new(AtomicBool::new(false));
            let done_in_task = done.clone();
            let report = outcome.clone();
            // A panic in any task unwinds out of the executor's poll, here.
            let run = catch_unwind(AssertUnwindSafe(move || {
                executor.run_until(
                    |spawner| {
                        let spawn: &'static EmbassySpawn =
                            Box::leak(Box::new(EmbassySpawn(spawner.make_send())));
                        let case = make(spawn);
                        spawner.spawn(
                            boxed(Box::pin(async move {
                                case.await;
                                done_in_task.store(true, Ordering::Release);
                                let _ = report.send(Ok(()));
                            }))
                            .expect("embassy task pool exhausted"),
                        );
                    },
                    || done.load(Ordering::Acquire),
                )
            }));
            if let Err(payload) = run {
                let message = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "non-string panic payload".into());
                let _ = outcome.send(Err(message));
            }
        })
        .unwrap();
    match finished.recv_timeout(TIMEOUT) {
        Ok(Ok(())) => {}
        Ok(Err(message)) => panic!("case panicked on the embassy executor: {message}"),
        Err(RecvTimeoutError::Timeout) => {
            panic!("case did not finish within {TIMEOUT:?} (a lost wake-up?)")
        }
        Err(RecvTimeoutError::Disconnected) => panic!("embassy executor thread ended early"),
    }
}

mod embassy {
    use aimdb::mutex::CriticalSectionRawMutex;

    aimdb_tests::conformance_suite!(mutex = CriticalSectionRawMutex, run = super::run_on_embassy);
}
