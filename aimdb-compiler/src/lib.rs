//! The aimdb topology compiler: a pipeline you can read top to bottom.
//!
//! Tokens (or a topology file) are parsed into a model, the model is checked (every error
//! collected, each on its own span), and the checked model is emitted as Rust code.
//! `aimdb-macros` is a thin shim over the entry points here, so all of this can be
//! unit-tested without invoking rustc and reused by the `aimdb` CLI.

pub mod record_key;
