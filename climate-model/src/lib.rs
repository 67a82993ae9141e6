//! The record types of `topologies/climate.toml` and `topologies/setpoint.toml`, their
//! codecs, the simulated sensor and the setpoint arbitration rule.
//!
//! `no_std` and heap-free: the same definitions are compiled into the Cortex-M firmware
//! (`firmware/climate-sensor`, `firmware/setpoint-autotuner`), the host binaries
//! (`climate-host`) and the end-to-end tests, so every side agrees on the bytes on the wire
//! and the tests can recompute exactly what a node must have produced.
#![no_std]

pub mod reading;
pub mod setpoint;

pub use reading::{Temperature, TemperatureWithHumidity, sample};
pub use setpoint::{Arbiter, Origin, RoomTemperature, SetpointApplied, SetpointRequest};
