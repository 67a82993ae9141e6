//! # aimdb-connectors
//!
//! Transports that carry records between nodes. Each implements
//! [`aimdb_core::connector::Connector`] for its URL schemes.
#![no_std]

#[cfg(any(
    feature = "mqtt-tokio",
    feature = "serial-tokio",
    feature = "ws-tokio",
    feature = "knx-tokio",
    feature = "dds"
))]
extern crate std;

#[cfg(feature = "cdr")]
pub mod cdr;
pub mod cobs;
#[cfg_attr(
    not(any(
        feature = "mqtt-tokio",
        feature = "mqtt-embassy",
        feature = "serial",
        feature = "ws-tokio",
        feature = "knx",
        feature = "dds"
    )),
    allow(dead_code, unused_imports, unused_macros)
)]
mod counters;
#[cfg(feature = "dds")]
pub mod dds;
#[cfg(feature = "knx")]
pub mod knx;
pub mod loopback;
#[cfg(feature = "mqtt-tokio")]
pub mod mqtt;
#[cfg(feature = "mqtt-embassy")]
pub mod mqtt_embassy;
#[cfg(feature = "serial")]
pub mod serial;
#[cfg(feature = "ws-tokio")]
pub mod ws;
