//! The buffer conformance suite on tokio: current-thread (buffers over
//! `CriticalSectionRawMutex`) and multi-thread (buffers over `StdRawMutex`, tasks on two
//! worker threads, so wake-ups cross threads).

use std::panic::resume_unwind;
use std::time::Duration;

use aimdb_tests::conformance::{BoxedTask, Spawn};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::mpsc;
use tokio::task::JoinError;

/// A case that has not finished by then lost a wake-up.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Spawns on the case's runtime and reports a panicking task to the runner.
struct TokioSpawn {
    runtime: tokio::runtime::Handle,
    panics: mpsc::UnboundedSender<JoinError>,
}

impl Spawn for TokioSpawn {
    fn spawn(&self, task: BoxedTask) {
        let handle = self.runtime.spawn(task);
        let panics = self.panics.clone();
        self.runtime.spawn(async move {
            if let Err(error) = handle.await {
                let _ = panics.send(error);
            }
        });
    }
}

fn run_on(runtime: Runtime, make: impl FnOnce(&'static dyn Spawn) -> BoxedTask) {
    let (panics, mut panicked) = mpsc::unbounded_channel();
    let spawn: &'static TokioSpawn = Box::leak(Box::new(TokioSpawn {
        runtime: runtime.handle().clone(),
        panics,
    }));
    let case = make(spawn);
    runtime.block_on(async {
        // The case runs as a task of its own so that, on the multi-thread runtime, it runs
        // on a worker like the tasks it spawns.
        let case = tokio::spawn(case);
        let outcome = tokio::time::timeout(TIMEOUT, async {
            tokio::select! {
                finished = case => finished,
                Some(error) = panicked.recv() => Err(error),
            }
        })
        .await;
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) if error.is_panic() => resume_unwind(error.into_panic()),
            Ok(Err(error)) => panic!("case task failed: {error}"),
            Err(_) => panic!("case did not finish within {TIMEOUT:?} (a lost wake-up?)"),
        }
    });
}

fn run_on_current_thread(make: impl FnOnce(&'static dyn Spawn) -> BoxedTask) {
    run_on(
        Builder::new_current_thread().enable_time().build().unwrap(),
        make,
    );
}

fn run_on_multi_thread(make: impl FnOnce(&'static dyn Spawn) -> BoxedTask) {
    run_on(
        Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap(),
        make,
    );
}

mod current_thread {
    use aimdb::mutex::CriticalSectionRawMutex;

    aimdb_tests::conformance_suite!(
        mutex = CriticalSectionRawMutex,
        run = super::run_on_current_thread
    );
}

mod multi_thread {
    use aimdb::mutex::StdRawMutex;

    aimdb_tests::conformance_suite!(mutex = StdRawMutex, run = super::run_on_multi_thread);
}
