//! # aimdb-connectors
//!
//! Transports that carry records between nodes. Each implements
//! [`aimdb_core::connector::Connector`] for its URL schemes.
#![no_std]

// Every host connector turns on `std` (through `tokio`), and so does the browser's.
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "cdr")]
pub mod cdr;
pub mod cobs;
#[cfg_attr(
    not(any(
        feature = "mqtt-tokio",
        feature = "mqtt-embassy",
        feature = "kit",
        feature = "ws-tokio",
        feature = "knx",
        feature = "dds"
    )),
    allow(dead_code, unused_imports, unused_macros)
)]
mod counters;
#[macro_use]
mod trace;
#[cfg(feature = "dds")]
pub mod dds;
#[cfg(feature = "kit")]
pub mod kit;
#[cfg(feature = "knx")]
pub mod knx;
pub mod loopback;
#[cfg(feature = "mqtt-tokio")]
pub mod mqtt;
#[cfg(feature = "mqtt-embassy")]
pub mod mqtt_embassy;
#[cfg(feature = "mqtt-wasm")]
pub mod mqtt_wasm;
#[cfg(feature = "serial")]
pub mod serial;
#[cfg(feature = "tcp")]
pub mod tcp;
#[cfg(all(feature = "uds-tokio", unix))]
pub mod uds;
#[cfg(feature = "ws-tokio")]
pub mod ws;
#[cfg(feature = "ws-wasm")]
pub mod ws_wasm;
