// The seed's "many writers, one arbiter" records: its keys, the request and applied types,
// and `arbitrate` with a stated rule. `include!`d at a crate root (the arbiter tests and the
// join compile-fail cases), so `topology!`'s `use super::*` sees them.

use std::sync::Mutex;

use aimdb::RecordKey;
use std::sync::atomic::{AtomicUsize, Ordering};

// Many writers — operator A, operator B, an autotuner — each own
// their own request stream by carrying a distinct origin in the key.
#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
enum SetpointKey {
    #[key = "request/operator-a"]
    RequestOperatorA,
    #[key = "request/operator-b"]
    RequestOperatorB,
    #[key = "request/autotuner"]
    RequestAutotuner,
    #[key = "applied"]
    Applied,
}

/// Who asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)]
pub enum Origin {
    #[doc = "Operator A."] OperatorA,
    #[doc = "Operator B."] OperatorB,
    #[doc = "The autotuner."] Autotuner,
}

/// A writer's request, in tenths of a degree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetpointRequest {
    #[doc = "Who asked."] pub origin: Origin,
    #[doc = "Tenths of a degree."] pub tenths: i32,
}

/// The setpoint the arbiter applied, and whose request it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetpointApplied {
    #[doc = "Tenths of a degree."] pub tenths: i32,
    #[doc = "Whose request it was."] pub origin: Origin,
}

/// The limits every applied setpoint is clamped to (15.0 to 30.0 degrees).
pub const LIMITS: (i32, i32) = (150, 300);

/// The arbiter's memory: the setpoint applied last, and whether an operator has spoken.
struct Arbiter {
    applied: Option<SetpointApplied>,
    operator_spoke: bool,
}

static ARBITER: Mutex<Arbiter> = Mutex::new(Arbiter {
    applied: None,
    operator_spoke: false,
});

/// How many requests `arbitrate` has decided, and how many of them produced a setpoint.
pub static DECIDED: AtomicUsize = AtomicUsize::new(0);
#[doc = "How many of them produced a setpoint."] pub static APPLIED: AtomicUsize = AtomicUsize::new(0);

/// The rule: operators override the autotuner (once an operator has asked, autotuner
/// requests are ignored); among operators the latest request wins; every setpoint is
/// clamped to `LIMITS`; a request that would not change the applied setpoint applies nothing.
#[allow(dead_code)]
pub fn arbitrate(req: &SetpointRequest) -> Option<SetpointApplied> {
    let mut arbiter = ARBITER.lock().unwrap();
    let operator = req.origin != Origin::Autotuner;
    let decision = if !operator && arbiter.operator_spoke {
        None
    } else {
        arbiter.operator_spoke |= operator;
        let tenths = req.tenths.clamp(LIMITS.0, LIMITS.1);
        match arbiter.applied {
            Some(current) if current.tenths == tenths => None,
            _ => Some(SetpointApplied {
                tenths,
                origin: req.origin,
            }),
        }
    };
    if let Some(applied) = decision {
        arbiter.applied = Some(applied);
        APPLIED.fetch_add(1, Ordering::SeqCst);
    }
    DECIDED.fetch_add(1, Ordering::SeqCst);
    decision
}
