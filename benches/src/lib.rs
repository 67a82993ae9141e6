//! # aimdb-benches
//!
//! The same workloads implemented four ways, measured in one run:
//!
//! - **ours**: aimdb-core's static buffers through [`Producer`](aimdb_core::Producer) and
//!   [`Consumer`](aimdb_core::Consumer) handles, with each of the three mutexes;
//! - **reference**: the published reference implementation (aimdb-core 1.1.0 with
//!   aimdb-tokio-adapter 0.6.0), driven the way its own benchmarks drive it;
//! - **raw**: the primitives themselves: tokio `broadcast` / `watch` / `Notify`, and
//!   embassy-sync `PubSubChannel` / `Watch` / `Signal`.
//!
//! One row is not a buffer: encode + decode of a climate reading, the named codecs with the
//! contract header (ours) against the hand-written raw codec (raw).
//!
//! Every case is a [`Case`]: a workload, a system, and a constructor returning a
//! [`Runner`]. A runner owns its own current-thread tokio runtime and state; calling it with
//! `n` runs `n` messages and returns the time they took. The same runners feed the timing
//! table (`bench_table`), the allocation counter (`alloc_count`) and the criterion bench.

pub mod cases;
pub mod codec;
pub mod harness;
mod join;
mod on_embassy;
mod ours;
mod raw_embassy;
mod raw_tokio;
mod reference;
pub mod report;
mod topology;

pub use cases::{Case, Family, Workload, all_cases, select};
pub use harness::Runner;
