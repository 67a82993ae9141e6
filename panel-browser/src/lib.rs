//! The panel system's browser node (`panel`, `runtime = "wasm"`), generated from
//! `topologies/panel.toml`: it talks to the station (a host node) straight over the
//! station's WebSocket connector, no broker. It observes `panel/reading` (the station owns
//! it) over `ws://panel/reading` and hands every reading to the page through its tap
//! `show_reading`; it owns `panel/request`, which the page produces through [`request`],
//! and writes it to `ws://panel/request`, which the station reads. Each link is one
//! WebSocket at the station's `/link/PATH`, carrying binary messages that hold exactly the
//! link's postcard bytes with their contract header
//! ([`WsLinks`](aimdb::connectors::ws_wasm::WsLinks)).
//!
//! Built with `scripts/build-browser.sh`; the page it runs in is served by the station's ws
//! connector (which serves the bundle under `/pkg/`). Outside wasm32 the crate is empty.
#![cfg_attr(not(target_arch = "wasm32"), allow(unused))]

#[cfg(target_arch = "wasm32")]
mod alloc_count;
#[cfg(target_arch = "wasm32")]
mod node;
#[cfg(target_arch = "wasm32")]
pub use node::*;
