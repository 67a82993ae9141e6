//! An embassy node observing a record family, end to end through mosquitto: the `panel`
//! node of `fleet_support/embassy_panel.toml` (generated for embassy, run on embassy's std
//! executor) with the embassy MQTT connector (over a tokio TCP stream). A plain MQTT client
//! publishes postcard readings for the sensor instances `zone-a`..`zone-c` and for an
//! undeclared `zone-x`. Checked: the family is one subscription; each instance's readings
//! reach the family tap under its own instance, in order; the join over the family is
//! triggered by each, told its instance, and produces the warmest reading; `zone-x` is
//! refused and counted as `unknown_instance`, never at the tap. Needs mosquitto.

#[path = "../../aimdb-connectors/tests/support/broker.rs"]
mod broker;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aimdb::connectors::mqtt_embassy::{Dial, MqttConfig, MqttConnector};
use aimdb::mutex::CriticalSectionRawMutex;
use aimdb::{Consumer, Producer};
use climate_model::Temperature;
use embedded_io_adapters::tokio_1::FromTokio;
use tokio::net::TcpStream;

aimdb::topology!(
    file = "tests/fleet_support/embassy_panel.toml",
    node = "panel"
);

const WAIT: Duration = Duration::from_secs(20);

/// What the family tap saw, per instance: every reading's `seq`.
static SEEN: Mutex<BTreeMap<&'static str, Vec<u32>>> = Mutex::new(BTreeMap::new());
/// What the join was told: (instance, celsius).
static TRIGGERS: Mutex<Vec<(&'static str, f32)>> = Mutex::new(Vec::new());

async fn show_zone(instance: &'static str, mut consumer: Consumer<'static, Temperature>) {
    while let Ok(reading) = consumer.recv().await {
        SEEN.lock()
            .unwrap()
            .entry(instance)
            .or_default()
            .push(reading.seq);
    }
}

async fn warmest_zone(mut rx: panel::WarmestRx, producer: Producer<'static, Temperature>) {
    let mut warmest: Option<Temperature> = None;
    while let Ok(trigger) = rx.recv().await {
        let instance = trigger.instance();
        let panel::WarmestInput::Reading(zone, reading) = trigger.into_inner();
        assert_eq!(instance, Some(zone));
        TRIGGERS.lock().unwrap().push((zone, reading.celsius));
        if warmest.is_none_or(|w| reading.celsius > w.celsius) {
            warmest = Some(reading);
            producer.produce(reading).await;
        }
    }
}

static MQTT: MqttConnector<CriticalSectionRawMutex, 16, 64> = MqttConnector::new(MqttConfig {
    keep_alive: embassy_time::Duration::from_secs(5),
    ..MqttConfig::new("panel")
});

static PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);

struct Tcp;

impl Dial for Tcp {
    type Stream<'a> = FromTokio<TcpStream>;

    fn dial(&mut self) -> impl Future<Output = Option<FromTokio<TcpStream>>> {
        let port = PORT.load(std::sync::atomic::Ordering::SeqCst);
        async move {
            let stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
            stream.set_nodelay(true).ok()?;
            Some(FromTokio::new(stream))
        }
    }
}

/// The connector's session loop, on the node's own executor (its timers are embassy-time's);
/// its TCP stream is tokio's, driven by the runtime the executor thread has entered.
#[embassy_executor::task]
async fn mqtt_session() {
    let mut buffer = [0u8; 512];
    MQTT.run(&mut Tcp, &mut buffer).await
}

fn payload(seq: u32, celsius: f32) -> Vec<u8> {
    let reading = Temperature {
        seq,
        celsius,
        taken_us: 0,
    };
    let mut buffer = [0u8; 64];
    let len = aimdb::contract::encode::<aimdb::codec::Postcard, Temperature>(&reading, &mut buffer)
        .unwrap();
    buffer[..len].to_vec()
}

async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {:?} {:?}; tap {:?}; triggers {:?}",
            MQTT.stats(),
            MQTT.link_stats("climate/+/reading"),
            SEEN.lock().unwrap(),
            TRIGGERS.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[test]
fn an_embassy_node_observes_the_family_with_a_tap_and_a_join() {
    let broker = broker::Broker::start();
    PORT.store(broker.port, std::sync::atomic::Ordering::SeqCst);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let handle = runtime.handle().clone();
    std::thread::spawn(move || {
        let _tokio = handle.enter();
        let executor: &'static mut embassy_executor::Executor =
            Box::leak(Box::new(embassy_executor::Executor::new()));
        executor.run(|spawner| {
            panel::spawn(spawner, panel::Links { mqtt: &MQTT });
            spawner.spawn(mqtt_session().expect("one session task"));
        })
    });
    runtime.block_on(async {
        // One subscription for the family (the node's only inbound link).
        wait_until("the family's subscription", || {
            MQTT.stats().subscribe_acks == 1
        })
        .await;

        let mut options = rumqttc::MqttOptions::new("fleet-publisher", "127.0.0.1", broker.port);
        options.set_keep_alive(Duration::from_secs(5));
        let (client, mut events) = rumqttc::AsyncClient::new(options, 64);
        tokio::spawn(async move { while events.poll().await.is_ok() {} });
        let sent = [
            ("zone-a", 0, 20.0),
            ("zone-b", 0, 22.5),
            ("zone-x", 0, 99.0),
            ("zone-a", 1, 21.0),
            ("zone-c", 0, 21.5),
            ("zone-b", 1, 19.0),
        ];
        for (zone, seq, celsius) in sent {
            client
                .publish(
                    format!("climate/{zone}/reading"),
                    rumqttc::QoS::AtLeastOnce,
                    false,
                    payload(seq, celsius),
                )
                .await
                .unwrap();
            // One at a time: the join sees them in this order.
            let expected = sent
                .iter()
                .take_while(|s| s.0 != zone || s.1 != seq)
                .filter(|s| s.0 != "zone-x")
                .count()
                + usize::from(zone != "zone-x");
            wait_until("the trigger", || TRIGGERS.lock().unwrap().len() == expected).await;
        }
        wait_until("the stranger counted", || {
            MQTT.link_stats("climate/+/reading")
                .is_some_and(|l| l.unknown_instance == 1)
        })
        .await;
    });
    let seen = SEEN.lock().unwrap().clone();
    assert_eq!(
        seen,
        BTreeMap::from([
            ("zone-a", vec![0, 1]),
            ("zone-b", vec![0, 1]),
            ("zone-c", vec![0]),
        ])
    );
    assert_eq!(
        *TRIGGERS.lock().unwrap(),
        [
            ("zone-a", 20.0),
            ("zone-b", 22.5),
            ("zone-a", 21.0),
            ("zone-c", 21.5),
            ("zone-b", 19.0),
        ]
    );
    assert_eq!(panel::WARMEST.latest().map(|w| w.celsius), Some(22.5));
    let link = MQTT.link_stats("climate/+/reading").unwrap();
    assert_eq!((link.received, link.unknown_instance), (5, 1), "{link:?}");
    assert_eq!(
        panel::READING_NODES,
        ["sensor-zone-a", "sensor-zone-b", "sensor-zone-c"]
    );
}
