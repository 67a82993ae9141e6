//! A tokio node runs once at a time in a process: a second concurrent `run` fails at once
//! naming the node; once every task of a run has ended, the node runs again (its reader slots
//! went with its tasks). `cargo test` runs tests as threads of one process, so this matters.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aimdb::{Consumer, Producer};

static RUNS: AtomicU32 = AtomicU32::new(0);
static SEEN: Mutex<Vec<u32>> = Mutex::new(Vec::new());
/// While set, the tap keeps the node running.
static HOLD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

async fn count_to_three(producer: Producer<'static, u32>) {
    let run = RUNS.fetch_add(1, Ordering::SeqCst);
    for v in 1..=3 {
        let _ = producer.produce(run * 10 + v);
        tokio::task::yield_now().await;
    }
}

async fn three_then_stop(mut consumer: Consumer<'static, u32>) {
    for _ in 0..3 {
        match consumer.recv().await {
            Ok(v) => SEEN.lock().unwrap().push(v),
            Err(_) => continue,
        }
    }
    while HOLD.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

aimdb::topology! {
    node counter: tokio;
    builder.configure::<u32>("counter/values", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 8 })
            .source(count_to_three)
            .tap(three_then_stop)
            .finish();
    });
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_node_runs_once_at_a_time_and_again_after_it_ended() {
    // Run 1 to its end, then run 2: both complete, each saw its own three values.
    runtime().block_on(counter::run(counter::Links {}));
    runtime().block_on(counter::run(counter::Links {}));
    assert_eq!(*SEEN.lock().unwrap(), [1, 2, 3, 11, 12, 13]);

    // Run 3 held open; a concurrent run 4 fails at once, naming the node.
    HOLD.store(true, Ordering::SeqCst);
    let held = std::thread::spawn(|| runtime().block_on(counter::run(counter::Links {})));
    aimdb_tests::wait_for("run 3's values", Duration::from_secs(5), || {
        SEEN.lock().unwrap().len() == 9
    });
    let second = std::panic::catch_unwind(|| runtime().block_on(counter::run(counter::Links {})))
        .expect_err("a second concurrent run");
    let message = second.downcast_ref::<String>().expect("a formatted panic");
    assert!(
        message.starts_with("aimdb: node `counter` is already running in this process"),
        "{message}"
    );
    HOLD.store(false, Ordering::SeqCst);
    held.join().unwrap();
    // And after it ended, the node runs again.
    runtime().block_on(counter::run(counter::Links {}));
    assert_eq!(SEEN.lock().unwrap().len(), 12);
    // Each run's source and tap returned, and none of that went unnoticed: 4 runs x 2.
    assert_eq!(counter::tasks_returned(), 8);
}
