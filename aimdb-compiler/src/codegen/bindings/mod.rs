//! Per-runtime code over the runtime-neutral [tasks](super::tasks): one [`Backend`] per
//! runtime owns what differs (the buffers' mutex, how a user function is run, the entry
//! point). A runtime is one file here plus its row in [`backend`].

use proc_macro2::TokenStream;
use quote::quote;

use super::private;
use super::task::Task;
use crate::model::Runtime;

pub(super) mod embassy;
pub(super) mod tokio;

/// What one runtime's generated code is made of.
pub(super) struct Backend {
    /// The `RawMutex` of the node's buffers.
    pub mutex: fn() -> TokenStream,
    /// The glue's runner suffix: tokio tasks run on a multi-threaded runtime, so its user
    /// functions must be `Send` (`run_source_send`); one thread (an MCU, a browser) needs
    /// no bound (`run_source`).
    pub runner_suffix: &'static str,
    /// The entry point (`run`/`spawn`) that starts every task.
    pub entry: fn(&[Task], &TokenStream, bool) -> TokenStream,
}

/// tokio: per-buffer locks, so unrelated records never contend across worker threads.
const TOKIO: Backend = Backend {
    mutex: || {
        let p = private();
        quote!(#p::aimdb_core::mutex::StdRawMutex)
    },
    runner_suffix: "_send",
    entry: tokio::emit,
};

/// embassy, on an MCU or (as `wasm`) on embassy-executor's `platform-wasm` in a browser:
/// one thread, so critical-section's lock is uncontended.
const EMBASSY: Backend = Backend {
    mutex: || {
        let p = private();
        quote!(#p::aimdb_core::mutex::CriticalSectionRawMutex)
    },
    runner_suffix: "",
    entry: embassy::emit,
};

/// The backend of `runtime`.
pub(super) fn backend(runtime: Runtime) -> &'static Backend {
    match runtime {
        Runtime::Tokio => &TOKIO,
        // A browser node is an embassy node on embassy-executor's `platform-wasm`.
        Runtime::Embassy | Runtime::Wasm => &EMBASSY,
    }
}
