// The arbiter tests' script, shared by the tokio and embassy runs (`include!`d after
// `ui/topology/setpoint.rs`): who asks for what, in which order, and what `arbitrate`'s
// rule must make of it.

use std::future::Future;
use std::time::{Duration, Instant};

/// The requests, in the order they must reach the arbiter.
pub const SCRIPT: [(Origin, i32); 10] = [
    (Origin::Autotuner, 210), // nobody else yet: applied
    (Origin::Autotuner, 220), // applied
    (Origin::OperatorA, 250), // an operator overrides the autotuner
    (Origin::Autotuner, 230), // ignored from now on
    (Origin::OperatorB, 400), // latest operator wins, clamped to 300
    (Origin::OperatorA, 100), // clamped to 150
    (Origin::OperatorB, 150), // same as applied: nothing new
    (Origin::Autotuner, 240), // ignored
    (Origin::OperatorB, 260), // applied
    (Origin::OperatorA, 260), // same value: nothing new
];

/// What the tap on `Applied` must see, in order.
pub const EXPECTED: [(i32, Origin); 6] = [
    (210, Origin::Autotuner),
    (220, Origin::Autotuner),
    (250, Origin::OperatorA),
    (300, Origin::OperatorB),
    (150, Origin::OperatorA),
    (260, Origin::OperatorB),
];

/// What the tap saw.
pub static SEEN: Mutex<Vec<SetpointApplied>> = Mutex::new(Vec::new());

/// How long a writer waits for its turn before the test is failed.
const TURN_TIMEOUT: Duration = Duration::from_secs(10);

/// Play `origin`'s lines of the script into `producer`. Before each line the writer waits
/// (polling with `pause`) until every earlier line was decided by the arbiter and the tap
/// has seen every setpoint applied so far, so the scripted order is the order of arrival.
pub async fn play<F: Future<Output = ()>>(
    origin: Origin,
    producer: aimdb::Producer<'static, SetpointRequest>,
    pause: impl Fn() -> F,
) {
    for (step, (who, tenths)) in SCRIPT.into_iter().enumerate() {
        if who != origin {
            continue;
        }
        let deadline = Instant::now() + TURN_TIMEOUT;
        while !(DECIDED.load(Ordering::SeqCst) == step
            && SEEN.lock().unwrap().len() == APPLIED.load(Ordering::SeqCst))
        {
            assert!(
                Instant::now() < deadline,
                "{origin:?} never got turn {step}"
            );
            pause().await;
        }
        let _ = producer.produce(SetpointRequest { origin, tenths }).await;
    }
}

/// Wait (on the test thread) until the whole script was decided and seen, then return
/// what the tap saw.
pub fn seen_after_script() -> Vec<(i32, Origin)> {
    let deadline = Instant::now() + TURN_TIMEOUT;
    while (DECIDED.load(Ordering::SeqCst) < SCRIPT.len()
        || SEEN.lock().unwrap().len() < APPLIED.load(Ordering::SeqCst))
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(2));
    }
    // Anything produced late would show up here.
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(
        DECIDED.load(Ordering::SeqCst),
        SCRIPT.len(),
        "every request decided once"
    );
    SEEN.lock()
        .unwrap()
        .iter()
        .map(|a| (a.tenths, a.origin))
        .collect()
}
