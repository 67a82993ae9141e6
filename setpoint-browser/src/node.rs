//! The node itself (wasm32 only): see the [crate docs](crate).

use std::cell::{Cell, RefCell};

use aimdb::connectors::mqtt_embassy::MqttConnector;
use aimdb::connectors::mqtt_wasm::{WebSocketDial, from_page};
use aimdb::mutex::CriticalSectionRawMutex;
use aimdb::{Consumer, Producer};
use climate_model::{Origin, SetpointApplied, SetpointRequest};
use embassy_executor::{Executor, Spawner};
use embassy_sync::channel::Channel;
use wasm_bindgen::prelude::*;

aimdb::topology!(file = "../topologies/setpoint.toml", node = "console_a");

/// The node's MQTT connector: 8 requests queued, payloads up to 64 bytes, 4 links.
type Mqtt = MqttConnector<CriticalSectionRawMutex, 8, 64, 4>;

/// What the form asked for, on its way to the source (a request in tenths of a degree).
static FORM: Channel<CriticalSectionRawMutex, i32, 4> = Channel::new();

thread_local! {
    /// The page's callback for every applied setpoint: `(tenths, origin)`.
    static ON_APPLIED: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    static MQTT: Cell<Option<&'static Mqtt>> = const { Cell::new(None) };
}

/// The source named in the topology file: every request the form makes, produced into the
/// record this node owns.
async fn operator_a_requests(producer: Producer<'static, SetpointRequest>) {
    loop {
        let tenths = FORM.receive().await;
        producer.produce(SetpointRequest { tenths }).await;
    }
}

/// The tap named in the topology file: the applied setpoint, to the page.
async fn show_applied(mut consumer: Consumer<'static, SetpointApplied>) {
    while let Ok(applied) = consumer.recv().await {
        let origin = match applied.origin {
            Origin::OperatorA => "operator-a",
            Origin::OperatorB => "operator-b",
            Origin::Autotuner => "autotuner",
        };
        ON_APPLIED.with(|callback| {
            if let Some(callback) = callback.borrow().as_ref() {
                let _ = callback.call2(
                    &JsValue::NULL,
                    &JsValue::from(applied.tenths),
                    &JsValue::from_str(origin),
                );
            }
        });
    }
}

#[embassy_executor::task]
async fn mqtt_session(connector: &'static Mqtt, mut dial: WebSocketDial) {
    let mut buffer = [0u8; 512];
    connector.run(&mut dial, &mut buffer).await
}

/// Start the node, once: connect to the broker's MQTT-over-WebSocket listener at `broker`
/// as `username` (the node's user, `console_a`) with `password`, and call
/// `on_applied(tenths, origin)` for every setpoint the controller applies.
#[wasm_bindgen]
pub fn start(
    broker: String,
    username: String,
    password: String,
    on_applied: js_sys::Function,
) -> Result<(), JsValue> {
    if MQTT.with(Cell::get).is_some() {
        return Err(JsValue::from_str("the console node is already running"));
    }
    ON_APPLIED.with(|callback| *callback.borrow_mut() = Some(on_applied));
    let (config, dial) = from_page(
        broker,
        username,
        password,
        "setpoint-console-a",
        console_a::LIVENESS,
    );
    let mqtt: &'static Mqtt = Box::leak(Box::new(MqttConnector::new(config)));
    MQTT.with(|cell| cell.set(Some(mqtt)));
    let executor: &'static mut Executor = Box::leak(Box::new(Executor::new()));
    executor.start(move |spawner: Spawner| {
        console_a::spawn(spawner, console_a::Links { mqtt });
        spawner.spawn(mqtt_session(mqtt, dial).expect("the MQTT task starts once"));
    });
    Ok(())
}

/// The form's request: `tenths` of a degree, produced into `setpoint/request/operator-a`.
/// Refused (an error for the page to show) when four requests are already waiting.
#[wasm_bindgen]
pub fn request(tenths: i32) -> Result<(), JsValue> {
    FORM.try_send(tenths)
        .map_err(|_| JsValue::from_str("four requests are already waiting to be sent"))
}

/// The connector's counters: `[connected (0/1), connects, reconnects, requests sent,
/// applied received]`.
#[wasm_bindgen]
pub fn link_stats() -> Vec<f64> {
    let Some(mqtt) = MQTT.with(Cell::get) else {
        return Vec::new();
    };
    let stats = mqtt.stats();
    let sent = mqtt
        .link_stats("setpoint/request/operator-a")
        .unwrap_or_default();
    let applied = mqtt.link_stats("setpoint/applied").unwrap_or_default();
    vec![
        f64::from(u8::from(stats.connected)),
        stats.connects as f64,
        stats.reconnects as f64,
        sent.sent as f64,
        applied.received as f64,
    ]
}

/// The contract fingerprints of the request and the applied setpoint.
#[wasm_bindgen]
pub fn contracts() -> Vec<String> {
    vec![
        console_a::OPERATOR_A_FINGERPRINT.to_string(),
        console_a::APPLIED_FINGERPRINT.to_string(),
    ]
}
