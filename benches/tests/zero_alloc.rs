//! Our cases allocate nothing per message; the reference's boxed `recv()` allocates once
//! per receive (which also proves the counter counts).
//!
//! One test function only: the counting allocator is global, and parallel tests would
//! add each other's allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use aimdb_benches::{Family, Workload, all_cases};

struct Counting;
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same layout as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn per_message(runner: &mut aimdb_benches::Runner) -> f64 {
    runner(1_000);
    let count = |runner: &mut aimdb_benches::Runner, n| {
        let before = ALLOCATIONS.load(Ordering::Relaxed);
        runner(n);
        ALLOCATIONS.load(Ordering::Relaxed) - before
    };
    let small = count(runner, 2_000);
    let large = count(runner, 4_000);
    (large as f64 - small as f64) / 2_000.0
}

#[test]
fn ours_allocates_nothing_per_message_and_the_counter_counts() {
    for case in all_cases() {
        let mut runner = (case.make)();
        let per_msg = per_message(&mut runner);
        match case.family {
            Family::Ours => assert_eq!(per_msg, 0.0, "{} allocates per message", case.id()),
            Family::Reference if case.workload == Workload::Ring1 => {
                assert_eq!(
                    per_msg, 1.0,
                    "reference ring: one boxed recv future per message"
                )
            }
            _ => {}
        }
    }
}
