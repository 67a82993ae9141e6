//! Shared helpers for the integration tests.

pub mod conformance;
pub mod qemu;
