//! Fleets (`topologies/fleet.toml`) end to end through a private mosquitto on 127.0.0.1.
//!
//! - **A small fleet.** Five instances of the `sensor` node (one image, `count = 200` in the
//!   file), each its own process: this test binary started again as the ignored test
//!   [`sensor_instance`] with `FLEET_INSTANCE=<name>`, running the generated node on the
//!   embassy std executor with the host MQTT connector. The `dashboard` node runs here on
//!   tokio and observes the family `climate/{instance}/reading` with one wildcard
//!   subscription, one ring per instance. Checked: every instance's readings arrive at the
//!   family tap under its own instance, every one and in order (each reading carries its
//!   instance's index in `celsius`); the family link received exactly every reading
//!   published; no other instance appears at the tap.
//! - **An undeclared instance.** A raw MQTT client publishes well-formed readings to
//!   `climate/zone-x/reading` and `climate/200/reading` (outside `0`..`199`): refused, counted
//!   as `unknown_instance` on the family link, never at the tap.
//!
//! Every wait is bounded. Needs mosquitto.

#[path = "../../aimdb-connectors/tests/support/broker.rs"]
mod broker;

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aimdb::{Consumer, Producer};
use aimdb_connectors::mqtt::{MqttConfig, MqttConnector};
use climate_model::Temperature;

aimdb::topology!(file = "../topologies/fleet.toml", node = "dashboard");
aimdb::topology!(file = "../topologies/fleet.toml", node = "sensor");

/// The instances this test runs (of the file's 200).
const FLEET: [&str; 5] = ["0", "1", "7", "42", "199"];
/// Readings each instance publishes, 10 ms apart.
const READINGS: u32 = 100;
const WAIT: Duration = Duration::from_secs(40);

/// What the family tap saw: per instance, every reading.
static SEEN: Mutex<BTreeMap<&'static str, Vec<Temperature>>> = Mutex::new(BTreeMap::new());

/// The dashboard's family tap: one task per instance, each told its instance.
async fn render_zone(instance: &'static str, mut consumer: Consumer<'static, Temperature>) {
    while let Ok(reading) = consumer.recv().await {
        SEEN.lock()
            .unwrap()
            .entry(instance)
            .or_default()
            .push(reading);
    }
}

/// The index of the instance this process runs as (the sensor side).
static INDEX: AtomicUsize = AtomicUsize::new(0);

/// The sensor's source: [`READINGS`] readings, each carrying the instance's index.
async fn read_temperature_loop(producer: Producer<'static, Temperature>) {
    let index = INDEX.load(Ordering::Relaxed);
    let mut ticker = embassy_time::Ticker::every(embassy_time::Duration::from_millis(10));
    for seq in 0..READINGS {
        let taken_us = embassy_time::Instant::now().as_micros();
        producer
            .produce(Temperature {
                seq,
                celsius: index as f32,
                taken_us,
            })
            .await;
        ticker.next().await;
    }
    core::future::pending::<()>().await
}

/// One sensor instance (started by [`small_fleet_reaches_the_family_tap`], not on its own).
#[test]
#[ignore = "a child process of the fleet test"]
fn sensor_instance() {
    let (Ok(name), Ok(port)) = (
        std::env::var("FLEET_INSTANCE"),
        std::env::var("FLEET_BROKER_PORT"),
    ) else {
        return;
    };
    let instance = sensor::Instance::expect(&name);
    INDEX.store(instance.index(), Ordering::Relaxed);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mqtt = runtime.block_on(async {
        let config = MqttConfig::new("127.0.0.1", port.parse().unwrap(), instance.node_name());
        MqttConnector::start(config).expect("valid config")
    });
    // The host connector's event loop runs on tokio: the executor thread can reach it.
    let handle = runtime.handle().clone();
    std::thread::spawn(move || {
        let _tokio = handle.enter();
        let executor: &'static mut embassy_executor::Executor =
            Box::leak(Box::new(embassy_executor::Executor::new()));
        executor.run(|spawner| sensor::spawn(spawner, sensor::Links { mqtt }, instance))
    });
    // Long enough to publish everything; the parent kills it when done.
    runtime.block_on(async { tokio::time::sleep(Duration::from_secs(60)).await });
}

struct Fleet(Vec<Child>);

impl Drop for Fleet {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn wait_until(what: &str, done: impl Fn() -> bool, state: impl Fn() -> String) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {}",
            state()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn small_fleet_reaches_the_family_tap_and_strangers_are_refused() {
    let broker = broker::Broker::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mqtt = runtime.block_on(async {
        MqttConnector::start(MqttConfig::new("127.0.0.1", broker.port, "fleet-dashboard"))
            .expect("valid config")
    });
    runtime.spawn(dashboard::run(dashboard::Links { mqtt }));
    let family = "climate/+/reading";
    let state = || {
        let seen: Vec<(&str, usize)> = SEEN
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| (*k, v.len()))
            .collect();
        format!(
            "family link {:?}; connector {:?}; at the tap {seen:?}",
            mqtt.link_stats(family),
            mqtt.stats()
        )
    };
    wait_until(
        "the dashboard's subscription",
        || mqtt.stats().subscribe_acks >= 1,
        state,
    );

    let exe = std::env::current_exe().unwrap();
    let _fleet = Fleet(
        FLEET
            .iter()
            .map(|name| {
                Command::new(&exe)
                    .args(["sensor_instance", "--exact", "--ignored", "--nocapture"])
                    .env("FLEET_INSTANCE", name)
                    .env("FLEET_BROKER_PORT", broker.port.to_string())
                    .stdout(Stdio::inherit())
                    .spawn()
                    .expect("a sensor instance")
            })
            .collect(),
    );
    let total = READINGS as u64 * FLEET.len() as u64;
    wait_until(
        "every reading at the family link",
        || mqtt.link_stats(family).unwrap_or_default().received >= total,
        state,
    );
    wait_until(
        "each instance's last reading at the tap",
        || {
            let seen = SEEN.lock().unwrap();
            FLEET.iter().all(|name| {
                seen.get(name)
                    .and_then(|r| r.last())
                    .is_some_and(|r| r.seq == READINGS - 1)
            })
        },
        state,
    );
    let stats = mqtt.link_stats(family).unwrap();
    assert_eq!(stats.received, total, "{stats:?}");
    assert_eq!(stats.decode_errors + stats.unknown_instance, 0, "{stats:?}");
    {
        let seen = SEEN.lock().unwrap();
        assert_eq!(
            seen.keys().copied().collect::<Vec<_>>(),
            {
                let mut names = FLEET.to_vec();
                names.sort();
                names
            },
            "only the running instances reach the tap"
        );
        for (name, readings) in seen.iter() {
            let index: f32 = dashboard::READING_INSTANCES
                .iter()
                .position(|i| i == name)
                .unwrap() as f32;
            assert!(
                readings.iter().all(|r| r.celsius == index),
                "instance {name} got another instance's reading: {readings:?}"
            );
            let seqs: Vec<u32> = readings.iter().map(|r| r.seq).collect();
            assert_eq!(
                seqs,
                (0..READINGS).collect::<Vec<_>>(),
                "instance {name}: every reading, in order"
            );
            println!("instance {name}: {} readings at the tap", readings.len());
        }
    }
    assert_eq!(dashboard::reading_index("42"), Some(42));
    assert_eq!(dashboard::reading_index("zone-x"), None);
    assert_eq!(dashboard::READING.len(), 200);

    // Strangers: addresses outside the declared set, refused and counted.
    let mut payload = [0u8; 64];
    let reading = Temperature {
        seq: 0,
        celsius: 1.0,
        taken_us: 0,
    };
    let len =
        aimdb::contract::encode::<aimdb::codec::Postcard, Temperature>(&reading, &mut payload)
            .unwrap();
    let mut options = rumqttc::MqttOptions::new("fleet-stranger", "127.0.0.1", broker.port);
    options.set_keep_alive(Duration::from_secs(5));
    let (client, mut connection) = rumqttc::Client::new(options, 10);
    for topic in ["climate/zone-x/reading", "climate/200/reading"] {
        client
            .publish(
                topic,
                rumqttc::QoS::AtLeastOnce,
                false,
                payload[..len].to_vec(),
            )
            .unwrap();
    }
    let pump = std::thread::spawn(move || {
        let deadline = Instant::now() + WAIT;
        for event in connection.iter() {
            if event.is_err() || Instant::now() > deadline {
                break;
            }
        }
    });
    wait_until(
        "two refusals",
        || mqtt.link_stats(family).unwrap_or_default().unknown_instance >= 2,
        state,
    );
    let _ = client.disconnect();
    let _ = pump.join();
    let stats = mqtt.link_stats(family).unwrap();
    assert_eq!(stats.unknown_instance, 2, "{stats:?}");
    assert_eq!(
        stats.received, total,
        "a stranger's value was delivered: {stats:?}"
    );
    assert!(!SEEN.lock().unwrap().contains_key("zone-x"));
}
