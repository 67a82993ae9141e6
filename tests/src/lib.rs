//! Shared helpers for the integration tests.

pub mod conformance;
pub mod qemu;

use std::time::{Duration, Instant};

/// Poll `done` every 2 ms until it holds; panic naming `what` after `within`.
pub fn wait_for(what: &str, within: Duration, done: impl Fn() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}
