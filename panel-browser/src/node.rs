//! The node itself (wasm32 only): see the [crate docs](crate).

use std::cell::RefCell;

use aimdb::connectors::ws_wasm::WsLinks;
use aimdb::mutex::CriticalSectionRawMutex;
use aimdb::{Consumer, Producer};
use climate_model::{SetpointRequest, Temperature};
use embassy_executor::{Executor, Spawner};
use embassy_sync::channel::Channel;
use wasm_bindgen::prelude::*;

aimdb::topology!(file = "../topologies/panel.toml", node = "panel");

/// The node's `ws://` connector: 8 requests queued, payloads up to 64 bytes (a reading is
/// 8 + 16 at most), 4 links.
static WS: WsLinks<8, 64, 4> = WsLinks::new();

/// What the page asked for, on its way to the source (tenths of a degree).
static FORM: Channel<CriticalSectionRawMutex, i32, 4> = Channel::new();

thread_local! {
    /// The page's callback for every reading: `(seq, celsius, taken_us)`.
    static ON_READING: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
}

/// The tap named in the topology file: every reading, to the page's callback as numbers
/// (`celsius` widened from `f32` to `f64`, which is exact).
async fn show_reading(mut consumer: Consumer<'static, Temperature>) {
    while let Ok(reading) = consumer.recv().await {
        ON_READING.with(|callback| {
            if let Some(callback) = callback.borrow().as_ref() {
                // The page's own exceptions are the page's: the node keeps running.
                let _ = callback.call3(
                    &JsValue::NULL,
                    &JsValue::from(reading.seq),
                    &JsValue::from(f64::from(reading.celsius)),
                    &JsValue::from(reading.taken_us as f64),
                );
            }
        });
    }
}

/// The source named in the topology file: every request the page makes, produced into
/// the record this node owns.
async fn panel_requests(producer: Producer<'static, SetpointRequest>) {
    loop {
        let tenths = FORM.receive().await;
        producer.produce(SetpointRequest { tenths }).await;
    }
}

/// The node's sockets, for ever (one per link, opened again after a loss).
#[embassy_executor::task]
async fn ws_links(server: &'static str, token: &'static str) {
    WS.run(server, token).await
}

/// Start the node, once: link to the station's ws connector at `server`
/// (`ws://HOST:PORT`, the page's own host; `token` its token, empty if none) and call
/// `on_reading(seq, celsius, taken_us)` for every reading. Everything is allocated here,
/// once: the executor, the strings, the sockets' receive buffer; nothing per message.
#[wasm_bindgen]
pub fn start(server: String, token: String, on_reading: js_sys::Function) -> Result<(), JsValue> {
    if ON_READING.with(|callback| callback.borrow().is_some()) {
        return Err(JsValue::from_str("the panel node is already running"));
    }
    ON_READING.with(|callback| *callback.borrow_mut() = Some(on_reading));
    let server: &'static str = Box::leak(server.into_boxed_str());
    let token: &'static str = Box::leak(token.into_boxed_str());
    let executor: &'static mut Executor = Box::leak(Box::new(Executor::new()));
    executor.start(move |spawner: Spawner| {
        panel::spawn(spawner, panel::Links { ws: &WS });
        spawner.spawn(ws_links(server, token).expect("the ws task starts once"));
    });
    Ok(())
}

/// The page's request: `tenths` of a degree, produced into `panel/request`. Refused (an
/// error for the page to show) when four requests are already waiting.
#[wasm_bindgen]
pub fn request(tenths: i32) -> Result<(), JsValue> {
    FORM.try_send(tenths)
        .map_err(|_| JsValue::from_str("four requests are already waiting to be sent"))
}

/// The connector's counters: `[sockets open, connects, reconnects, readings received,
/// reading decode errors, reading schema mismatches, requests sent, messages not binary,
/// messages oversize]`.
#[wasm_bindgen]
pub fn link_stats() -> Vec<f64> {
    let stats = WS.stats();
    let reading = WS.link_stats("panel/reading").unwrap_or_default();
    let request = WS.link_stats("panel/request").unwrap_or_default();
    vec![
        f64::from(stats.open),
        f64::from(stats.connects),
        f64::from(stats.reconnects),
        f64::from(reading.received),
        f64::from(reading.decode_errors),
        f64::from(reading.schema_mismatch),
        f64::from(request.sent),
        f64::from(stats.malformed),
        f64::from(stats.oversize),
    ]
}

/// Heap allocations made by the module so far (Rust's heap, not JavaScript's): the test
/// reads it around a run of readings to show a reading allocates nothing.
#[wasm_bindgen]
pub fn allocations() -> f64 {
    crate::alloc_count::allocations() as f64
}

/// The contract fingerprints of the reading and the request (16 hex digits each).
#[wasm_bindgen]
pub fn contracts() -> Vec<String> {
    vec![
        panel::READING_FINGERPRINT.to_string(),
        panel::REQUEST_FINGERPRINT.to_string(),
    ]
}
