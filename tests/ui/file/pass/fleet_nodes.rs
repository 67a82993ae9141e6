include!("../climate_system.rs");
include!("../../topology/functions.rs");

// Every node of a fleet with each instanced path: per-instance outbound and inbound
// addresses on an instanced embassy node, an instanced tokio node, and a family observer
// with a family tap and a per-instance outbound link.
aimdb::topology!(file = "$AIMDB_REPO/tests/ui/file/pass/fleet_full.toml", node = "sensor");
aimdb::topology!(file = "$AIMDB_REPO/tests/ui/file/pass/fleet_full.toml", node = "thermostat");
aimdb::topology!(file = "$AIMDB_REPO/tests/ui/file/pass/fleet_full.toml", node = "dashboard");
aimdb::topology!(file = "$AIMDB_REPO/tests/ui/file/pass/fleet_full.toml", node = "panel");

// The embassy observer: a family tap (no `Send` needed) and a join over the family.
async fn show_zone(_instance: &'static str, _consumer: aimdb::Consumer<'static, Temperature>) {}
async fn panel_warmest(mut rx: panel::PanelWarmestRx, producer: aimdb::Producer<'static, Temperature>) {
    while let Ok(trigger) = rx.recv().await {
        let panel::PanelWarmestInput::Reading(_zone, reading) = trigger.into_inner();
        producer.produce(reading).await;
    }
}

async fn set_point(_producer: aimdb::Producer<'static, Temperature>) {}
async fn render_zone(_instance: &'static str, _consumer: aimdb::Consumer<'static, Temperature>) {}

// The join over the family: a reading of any instance, told its instance, or the floor.
async fn warmest_zone(mut rx: dashboard::WarmestRx, producer: aimdb::Producer<'static, Temperature>) {
    while let Ok(trigger) = rx.recv().await {
        let instance: Option<&'static str> = trigger.instance();
        match trigger.into_inner() {
            dashboard::WarmestInput::Reading(zone, reading) => {
                assert_eq!(Some(zone), instance);
                producer.produce(reading).await;
            }
            dashboard::WarmestInput::WarmestFloor(floor) => {
                assert_eq!(instance, None);
                producer.produce(floor).await;
            }
        }
    }
}

/// The family input's field: one consumer per instance.
#[allow(dead_code)]
fn family_field(inputs: dashboard::WarmestInputs) -> [aimdb::Consumer<'static, Temperature>; 3] {
    inputs.input_0
}

fn main() {
    assert_eq!(sensor::INSTANCES, ["zone-a", "zone-b", "zone-c"]);
    let b = sensor::Instance::parse("zone-b").unwrap();
    assert_eq!((b.index(), b.name(), b.node_name()), (1, "zone-b", "sensor-zone-b"));
    assert_eq!(b.liveness(), "aimdb/nodes/sensor-zone-b/online");
    assert!(sensor::Instance::parse("zone-x").is_none());
    assert_eq!(thermostat::Instance::at(2).map(|i| i.name()), Some("zone-c"));
    assert_eq!(dashboard::READING.len(), 3);
    assert_eq!(dashboard::READING_INSTANCES, ["zone-a", "zone-b", "zone-c"]);
    assert_eq!(dashboard::READING_NODES, ["sensor-zone-a", "sensor-zone-b", "sensor-zone-c"]);
    assert_eq!(dashboard::reading_index("zone-c"), Some(2));
    assert_eq!(dashboard::OBSERVED_LIVENESS.len(), 3);
    // The join polls one consumer per instance of the family and the plain input.
    let _: fn(dashboard::WarmestInputs) -> dashboard::WarmestRx = aimdb::join::JoinRx::<_, 4>::new;
    static BUS: aimdb::connectors::loopback::LoopbackBus<2> =
        aimdb::connectors::loopback::LoopbackBus::new();
    let _ = (
        sensor::Links { mqtt: &BUS },
        thermostat::Links { mqtt: &BUS },
        dashboard::Links { mqtt: &BUS, ws: &BUS },
        panel::Links { mqtt: &BUS },
    );
    assert_eq!(panel::READING.len(), 3);
    assert_eq!(panel::READING_NODES[2], "sensor-zone-c");
    let _ = (sensor::spawn, thermostat::run, dashboard::run, panel::spawn);
}
