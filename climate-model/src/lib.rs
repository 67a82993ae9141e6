//! The record types of `topologies/climate.toml`, `topologies/setpoint.toml` and
//! `topologies/fleet.toml`, their codecs, the simulated sensor, the setpoint arbitration
//! rule and the fleet's summary.
//!
//! `no_std` and heap-free: the same definitions are compiled into the Cortex-M firmware
//! (`firmware/climate-sensor`, `firmware/setpoint-autotuner`), the host binaries
//! (`climate-host`) and the end-to-end tests, so every side agrees on the bytes on the wire
//! and the tests can recompute exactly what a node must have produced.
#![no_std]

pub mod fleet;
pub mod reading;
pub mod setpoint;

pub use fleet::{FleetSummary, Zones};
pub use reading::{Temperature, TemperatureWithHumidity, sample};
pub use setpoint::{Arbiter, Origin, RoomTemperature, SetpointApplied, SetpointRequest};
