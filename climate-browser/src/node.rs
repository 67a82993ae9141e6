//! The node itself (wasm32 only): see the [crate docs](crate).

use std::cell::{Cell, RefCell};

use aimdb::Consumer;
use aimdb::connectors::mqtt_embassy::MqttConnector;
use aimdb::connectors::mqtt_wasm::{WebSocketDial, from_page};
use aimdb::mutex::CriticalSectionRawMutex;
use climate_model::Temperature;
use embassy_executor::{Executor, Spawner};
use wasm_bindgen::prelude::*;

aimdb::topology!(file = "../topologies/climate.toml", node = "browser");

/// The node's MQTT connector: 8 values queued (it only publishes its liveness), payloads
/// up to 64 bytes (a reading is 8 + 16 at most), 4 links.
type Mqtt = MqttConnector<CriticalSectionRawMutex, 8, 64, 4>;

thread_local! {
    /// The page's callback for every reading: `(seq, celsius, taken_us)`.
    static ON_READING: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    /// The connector, once started.
    static MQTT: Cell<Option<&'static Mqtt>> = const { Cell::new(None) };
}

/// The tap named in the topology file: every reading the buffer hands over goes to the
/// page's callback as numbers (`celsius` widened from `f32` to `f64`, which is exact, so
/// the page sees the bits the sensor sent).
async fn render_chart(mut consumer: Consumer<'static, Temperature>) {
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

/// The MQTT session over the WebSocket, for ever (reconnecting and subscribing again after
/// a lost broker).
#[embassy_executor::task]
async fn mqtt_session(connector: &'static Mqtt, mut dial: WebSocketDial) {
    // One incoming packet at a time; the broker sends readings and liveness messages.
    let mut buffer = [0u8; 512];
    connector.run(&mut dial, &mut buffer).await
}

/// Start the node, once: connect to the broker's MQTT-over-WebSocket listener at `broker`
/// (`ws://127.0.0.1:PORT`) as `username` (empty: anonymous) with `password`, and call
/// `on_reading(seq, celsius, taken_us)` for every reading. Everything is allocated here,
/// once: the executor, the connector, the socket's receive ring; nothing per message.
#[wasm_bindgen]
pub fn start(
    broker: String,
    username: String,
    password: String,
    on_reading: js_sys::Function,
) -> Result<(), JsValue> {
    if MQTT.with(Cell::get).is_some() {
        return Err(JsValue::from_str("the browser node is already running"));
    }
    ON_READING.with(|callback| *callback.borrow_mut() = Some(on_reading));
    let (config, dial) = from_page(
        broker,
        username,
        password,
        "climate-browser",
        browser::LIVENESS,
    );
    let mqtt: &'static Mqtt = Box::leak(Box::new(MqttConnector::new(config)));
    MQTT.with(|cell| cell.set(Some(mqtt)));
    let executor: &'static mut Executor = Box::leak(Box::new(Executor::new()));
    executor.start(move |spawner: Spawner| {
        browser::spawn(spawner, browser::Links { mqtt });
        spawner.spawn(mqtt_session(mqtt, dial).expect("the MQTT task starts once"));
    });
    Ok(())
}

/// The connector's counters for the page: `[connected (0/1), connects, reconnects,
/// readings received, decode errors, schema mismatches]`.
#[wasm_bindgen]
pub fn link_stats() -> Vec<f64> {
    let Some(mqtt) = MQTT.with(Cell::get) else {
        return Vec::new();
    };
    let stats = mqtt.stats();
    let link = mqtt
        .link_stats("climate/zone-a/reading")
        .unwrap_or_default();
    vec![
        f64::from(u8::from(stats.connected)),
        stats.connects as f64,
        stats.reconnects as f64,
        link.received as f64,
        link.decode_errors as f64,
        link.schema_mismatch as f64,
    ]
}

/// Heap allocations made by the module so far (Rust's heap, not JavaScript's): the tests
/// read it around a burst of readings to show a reading allocates nothing.
#[wasm_bindgen]
pub fn allocations() -> f64 {
    crate::alloc_count::allocations() as f64
}

/// The contract fingerprint of the reading (16 hex digits), as the page shows it: the same
/// the sensor's payloads carry, or the node would refuse them.
#[wasm_bindgen]
pub fn contract() -> String {
    browser::READING_FINGERPRINT.to_string()
}
