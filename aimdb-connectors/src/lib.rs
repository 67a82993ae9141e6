//! # aimdb-connectors
//!
//! Transports that carry records between nodes. Each implements
//! [`aimdb_core::connector::Connector`] for its URL schemes.
#![no_std]

pub mod loopback;
