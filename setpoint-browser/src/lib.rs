//! The setpoint system's operator console A (`console_a`, `runtime = "wasm"`), generated from
//! `topologies/setpoint.toml`: it owns `setpoint/request/operator-a`, which the page's form
//! produces (through [`request`]), publishes it over MQTT over WebSocket to the controller,
//! whose join arbitrates it with the other requests, and observes `setpoint/applied`, which
//! its tap `show_applied` hands to the page. A browser can write only what its node owns:
//! the broker's ACL (`aimdb acl`) gives the user `console_a` its own request and nothing
//! else to write.
//!
//! Built with `scripts/build-browser.sh`; the page loads it when its address says
//! `#node=console_a&broker=..`. Outside wasm32 the crate is empty.
#![cfg_attr(not(target_arch = "wasm32"), allow(unused))]

#[cfg(target_arch = "wasm32")]
mod node;
#[cfg(target_arch = "wasm32")]
pub use node::*;
