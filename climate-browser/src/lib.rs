//! The climate system's `browser` node (`runtime = "wasm"`), generated from
//! `topologies/climate.toml` like the sensor and the dashboard: it observes
//! `climate/zone-a/reading` over MQTT (over a WebSocket to the broker) into a `SingleLatest`
//! buffer, decoding the sensor's postcard payloads with the same `Temperature` and contract,
//! and its tap `render_chart` hands every reading to the page.
//!
//! The hand-written part is this file: the tap (a call into the page's JavaScript), the MQTT
//! connector over [`WebSocketDial`](aimdb::connectors::mqtt_wasm::WebSocketDial), and
//! [`start`], which the page calls once with the broker's address, the node's login and its
//! callbacks. Built with `scripts/build-browser.sh` (cargo for wasm32-unknown-unknown, then
//! wasm-bindgen `--target web`). Outside wasm32 the crate is empty.
#![cfg_attr(not(target_arch = "wasm32"), allow(unused))]

#[cfg(target_arch = "wasm32")]
mod alloc_count;
#[cfg(target_arch = "wasm32")]
mod node;
#[cfg(target_arch = "wasm32")]
pub use node::*;
