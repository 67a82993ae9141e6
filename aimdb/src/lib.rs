//! # aimdb
//!
//! The one crate a user depends on: the runtime ([`aimdb_core`]), the topology compiler's
//! macros (`topology!`, `#[derive(RecordKey)]`) and the connectors. Code emitted by the
//! macros names everything through `::aimdb::__private`, so a user crate needs no other
//! dependency.
#![no_std]

pub use aimdb_core::*;
pub use aimdb_macros::{RecordKey, topology};

/// Connectors (MQTT, serial, loopback, ...).
pub use aimdb_connectors as connectors;

/// Paths used by generated code. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use aimdb_connectors;
    pub use aimdb_core;
    pub use core;
    #[cfg(feature = "embassy")]
    pub use embassy_executor;
    #[cfg(feature = "tokio")]
    pub use tokio;
}
