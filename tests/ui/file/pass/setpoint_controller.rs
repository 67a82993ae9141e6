include!("../setpoint.rs");

// The arbiter node: it observes the three requests and joins them into the applied setpoint.
aimdb::topology!(file = "$AIMDB_REPO/topologies/setpoint.toml", node = "controller");

async fn apply_setpoint(_consumer: aimdb::Consumer<'static, SetpointApplied>) {}

/// The tap on the KNX wall sensor's room temperature.
async fn observe_room_temperature(_consumer: aimdb::Consumer<'static, RoomTemperature>) {}

/// The join's handler, named by `on_triggers = "arbitrate"` in the file: the latest request
/// wins (the arbitration rule is the application's; this one keeps the test short).
async fn arbitrate(mut rx: controller::AppliedRx, producer: aimdb::Producer<'static, SetpointApplied>) {
    while let Ok(trigger) = rx.recv().await {
        if let Some(request) = trigger.as_input::<SetpointRequest>() {
            let _ = producer.produce(SetpointApplied { celsius: request.celsius }).await;
        }
    }
}

fn main() {
    // Three request rings of 8, the applied value and the room temperature; each ring has
    // one reader (the join).
    assert_eq!(controller::OPERATOR_A.capacity(), 8);
    assert_eq!(
        controller::ram::TOTAL,
        controller::ram::OPERATOR_A
            + controller::ram::OPERATOR_B
            + controller::ram::AUTOTUNER
            + controller::ram::APPLIED
            + controller::ram::ROOM_TEMPERATURE
    );
    // One connector per scheme: the applied setpoint goes to KNX, the requests come over MQTT.
    let _links = |knx, mqtt| controller::Links { knx, mqtt };
}
