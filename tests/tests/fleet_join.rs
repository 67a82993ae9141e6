//! A join over a record family (`topologies/fleet.toml`, node `overview`): the join
//! producing `climate/fleet/summary` takes the family `climate/{instance}/reading` (200
//! instances, one buffer each) as its input. In process, without a broker: a connector
//! that keeps the node's family route delivers postcard readings into chosen instances'
//! buffers, as the MQTT connector does for `climate/+/reading`. Checked: every instance's
//! reading triggers the handler, told its instance (and only its own); the summary the
//! handler derives (the warmest zone, how many zones reported) is produced after each; an
//! instance outside the declared set has no buffer to reach.

use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use aimdb::Producer;
use aimdb::connector::{CodecError, Connector, FamilyRoute, InboundRoute, PublishError};
use climate_model::{FleetSummary, Temperature, Zones};

aimdb::topology!(file = "../topologies/fleet.toml", node = "overview");

/// What the handler was told, in order: (instance, celsius).
static TRIGGERS: Mutex<Vec<(&'static str, f32)>> = Mutex::new(Vec::new());

/// The join's handler: each trigger is one zone's reading, with its instance.
async fn summarize_zones(mut rx: overview::SummaryRx, producer: Producer<'static, FleetSummary>) {
    let mut zones = Zones::<{ overview::READING_INSTANCES.len() }>::new();
    while let Ok(trigger) = rx.recv().await {
        assert_eq!(trigger.index(), 0, "the join has one input");
        let instance = trigger
            .instance()
            .expect("a family input names its instance");
        let overview::SummaryInput::Reading(named, reading) = trigger.into_inner();
        assert_eq!(named, instance);
        TRIGGERS.lock().unwrap().push((instance, reading.celsius));
        let index = overview::reading_index(instance).expect("a declared instance");
        if let Some(summary) = zones.update(index, reading.celsius) {
            producer.produce(summary).await;
        }
    }
}

/// Keeps the node's family routes; publishes nowhere (the ws links' values are dropped).
struct Capture {
    families: Mutex<Vec<FamilyRoute>>,
}

impl Connector for Capture {
    fn poll_ready(&self, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
    fn publish(&self, _address: &str, _payload: &[u8]) -> Result<(), PublishError> {
        Ok(())
    }
    fn attach(&self, _routes: &'static [InboundRoute]) {}
    fn attach_family(&self, routes: &'static [FamilyRoute]) {
        self.families.lock().unwrap().extend_from_slice(routes);
    }
}

static MQTT: Capture = Capture {
    families: Mutex::new(Vec::new()),
};
static WS: Capture = Capture {
    families: Mutex::new(Vec::new()),
};

fn payload(celsius: f32) -> Vec<u8> {
    let reading = Temperature {
        seq: 0,
        celsius,
        taken_us: 0,
    };
    let mut buffer = [0u8; 64];
    let len = aimdb::contract::encode::<aimdb::codec::Postcard, Temperature>(&reading, &mut buffer)
        .unwrap();
    buffer[..len].to_vec()
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: triggers {:?}, summary {:?}",
            TRIGGERS.lock().unwrap(),
            overview::SUMMARY.latest()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_join_over_the_family_is_triggered_by_each_instance_with_its_name() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.spawn(overview::run(overview::Links {
        mqtt: &MQTT,
        ws: &WS,
    }));
    wait_until("the family route", || {
        !MQTT.families.lock().unwrap().is_empty()
    });
    let route = MQTT.families.lock().unwrap()[0];
    assert_eq!(route.filter, "climate/+/reading");
    assert_eq!(route.level, 1);
    assert!(
        WS.families.lock().unwrap().is_empty(),
        "ws links no family in"
    );

    // Three zones, one value each, in this order: each trigger names its own zone.
    let sent = [("7", 20.5f32), ("199", 23.25), ("42", 21.0)];
    for (step, (instance, celsius)) in sent.iter().enumerate() {
        let index = route.instance(instance).expect("a declared instance");
        (route.deliver)(index, &payload(*celsius)).expect("decoded");
        wait_until("the trigger", || TRIGGERS.lock().unwrap().len() == step + 1);
        let summary = || overview::SUMMARY.latest();
        wait_until("the summary after it", || {
            summary().is_some_and(|s| s.zones as usize == step + 1)
        });
    }
    assert_eq!(*TRIGGERS.lock().unwrap(), sent);
    assert_eq!(
        overview::SUMMARY.latest(),
        Some(FleetSummary {
            celsius: 23.25,
            warmest: 199,
            zones: 3
        })
    );
    // Zone 199 cools below zone 42: the summary follows, with every zone still counted.
    (route.deliver)(199, &payload(19.0)).unwrap();
    wait_until("zone 42 the warmest", || {
        overview::SUMMARY.latest().is_some_and(|s| s.warmest == 42)
    });
    assert_eq!(
        overview::SUMMARY.latest(),
        Some(FleetSummary {
            celsius: 21.0,
            warmest: 42,
            zones: 3
        })
    );
    // Outside the declared set there is no buffer: the route refuses it before the join.
    assert_eq!(route.instance("zone-x"), None);
    assert_eq!(route.instance("200"), None);
    assert_eq!(
        (route.deliver)(200, &payload(99.0)),
        Err(CodecError::Malformed)
    );
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(TRIGGERS.lock().unwrap().len(), 4);
    assert_eq!(overview::tasks_returned(), 0);
}
