//! Counts heap allocations per message for every case, with a counting global allocator
//! (kept out of `bench_table` so that timing pays nothing for it).
//!
//! Per message = (allocations in a batch of `2k` messages - allocations in a batch of
//! `k`) / `k`: the slope, so per-batch set-up (spawning the pipeline's two tasks, the
//! reference's `build()`) does not count as per-message. Prints `id<TAB>per-message<TAB>per-batch`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use aimdb_benches::report::Plan;
use aimdb_benches::select;

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a
// side effect only.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in(run: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    run();
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let k = if Plan::from_env(&args).per_batch < 10_000 {
        10_000
    } else {
        100_000
    };
    let filter = args.iter().find(|a| !a.starts_with("--")).cloned();
    for case in select(filter.as_deref()) {
        let mut runner = (case.make)();
        runner(1_000); // warm-up: lazily built state (wakers, thread-locals) is not per message
        let small = allocations_in(|| {
            runner(k);
        });
        let large = allocations_in(|| {
            runner(2 * k);
        });
        let per_msg = (large as f64 - small as f64) / k as f64;
        let per_batch = small as f64 - per_msg * k as f64;
        println!("{}\t{per_msg}\t{per_batch}", case.id());
    }
}
