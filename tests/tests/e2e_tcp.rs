//! Two generated tokio nodes linked over `tcp://` (and two over `uds://`) in one process:
//! the sensor's node listens, the dashboard's dials; the reading goes one way and the
//! setpoint the other over the one stream, through the code `topology!{}` emits.

use std::sync::Mutex;
use std::time::Duration;

use aimdb::connectors::tcp::{Backoff, TcpConnector};
use aimdb::connectors::uds::UdsConnector;
use aimdb::mutex::StdRawMutex;
use aimdb::{Consumer, Producer};

include!("../ui/topology/climate.rs");

/// The keys of the two systems: one producer per key in a binary, so each system has its
/// own.
#[derive(aimdb::RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
pub enum LinkKey {
    #[key = "tcp/reading"]
    #[doc = "A reading over tcp://."]
    TcpReading,
    #[key = "tcp/setpoint"]
    #[doc = "A setpoint over tcp://."]
    TcpSetpoint,
    #[key = "uds/reading"]
    #[doc = "A reading over uds://."]
    UdsReading,
    #[key = "uds/setpoint"]
    #[doc = "A setpoint over uds://."]
    UdsSetpoint,
}

const READINGS: u32 = 20;
const PACE: Duration = Duration::from_millis(5);
const WAIT: Duration = Duration::from_secs(10);

/// What each test's taps saw, in order: readings at the dashboard, setpoints at the sensor.
static SEEN_TCP: Mutex<(Vec<f32>, Vec<f32>)> = Mutex::new((Vec::new(), Vec::new()));
static SEEN_UDS: Mutex<(Vec<f32>, Vec<f32>)> = Mutex::new((Vec::new(), Vec::new()));

/// Produce the readings, waiting first until `ready` (the stream is up): a ring link's
/// values published before would wait in the connector's queue anyway, but a test of the
/// link should not depend on its depth.
async fn produce(producer: &Producer<'static, Temperature>, first: f32, ready: fn() -> bool) {
    while !ready() {
        tokio::time::sleep(PACE).await;
    }
    for i in 0..READINGS {
        let _ = producer
            .produce(Temperature {
                celsius: first + i as f32,
            })
            .await;
        tokio::time::sleep(PACE).await;
    }
}

async fn collect(mut consumer: Consumer<'static, Temperature>, into: fn(f32)) {
    while let Ok(value) = consumer.recv().await {
        into(value.celsius);
    }
}

static SENSOR_TCP: TcpConnector<StdRawMutex, 16, 32> = TcpConnector::new();
static DASHBOARD_TCP: TcpConnector<StdRawMutex, 16, 32> = TcpConnector::new();

fn tcp_up() -> bool {
    SENSOR_TCP.stats().runs > 0 && DASHBOARD_TCP.stats().runs > 0
}

async fn tcp_readings(producer: Producer<'static, Temperature>) {
    produce(&producer, 20.0, tcp_up).await;
}
async fn tcp_setpoints(producer: Producer<'static, Temperature>) {
    produce(&producer, 40.0, tcp_up).await;
}
async fn tcp_seen_reading(consumer: Consumer<'static, Temperature>) {
    collect(consumer, |v| SEEN_TCP.lock().unwrap().0.push(v)).await;
}
async fn tcp_seen_setpoint(consumer: Consumer<'static, Temperature>) {
    collect(consumer, |v| SEEN_TCP.lock().unwrap().1.push(v)).await;
}

aimdb::topology! {
    node tcp_sensor: tokio;
    builder.configure::<Temperature>(LinkKey::TcpReading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 64 })
            .source(tcp_readings)
            .link_to("tcp://127.0.0.1:47913/climate/zone-a/reading")
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
    builder.configure::<Temperature>(LinkKey::TcpSetpoint, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 64 })
            .tap(tcp_seen_setpoint)
            .link_from("tcp://127.0.0.1:47913/climate/zone-a/setpoint")
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
}

aimdb::topology! {
    node tcp_dashboard: tokio;
    builder.configure::<Temperature>(LinkKey::TcpReading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 64 })
            .tap(tcp_seen_reading)
            .link_from("tcp://127.0.0.1:47913/climate/zone-a/reading")
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
    builder.configure::<Temperature>(LinkKey::TcpSetpoint, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 64 })
            .source(tcp_setpoints)
            .link_to("tcp://127.0.0.1:47913/climate/zone-a/setpoint")
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
}

/// Wait until both lists are full, then a little longer for a stray extra value.
async fn wait_for(seen: &Mutex<(Vec<f32>, Vec<f32>)>) -> (Vec<f32>, Vec<f32>) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (a, b) = seen.lock().unwrap().clone();
        if a.len() >= READINGS as usize && b.len() >= READINGS as usize {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{a:?} {b:?}");
        tokio::time::sleep(PACE).await;
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    seen.lock().unwrap().clone()
}

/// Wait until `done`; fails the test after [`WAIT`] (a node whose start panicked never
/// registers its links).
async fn until(done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the node did not start"
        );
        tokio::time::sleep(PACE).await;
    }
}

fn series(first: f32) -> Vec<f32> {
    (0..READINGS).map(|i| first + i as f32).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_nodes_link_both_ways_over_one_tcp_stream() {
    tokio::spawn(tcp_sensor::run(tcp_sensor::Links { tcp: &SENSOR_TCP }));
    tokio::spawn(tcp_dashboard::run(tcp_dashboard::Links {
        tcp: &DASHBOARD_TCP,
    }));
    // The nodes' start registered their links, which name the endpoint: the sensor's
    // side listens on it, the dashboard's dials it (retrying until it listens).
    until(|| SENSOR_TCP.endpoint().is_some()).await;
    assert_eq!(SENSOR_TCP.endpoint(), Some("127.0.0.1:47913"));
    tokio::spawn(async { SENSOR_TCP.serve().await });
    tokio::spawn(DASHBOARD_TCP.dial(Backoff::default()));

    let (readings, setpoints) = wait_for(&SEEN_TCP).await;
    assert_eq!((readings, setpoints), (series(20.0), series(40.0)));
    let sensor = SENSOR_TCP.stats();
    assert_eq!(
        (sensor.frames_sent, sensor.frames_received, sensor.malformed),
        (READINGS, READINGS, 0)
    );
    let link = SENSOR_TCP
        .link_stats("127.0.0.1:47913/climate/zone-a/setpoint")
        .unwrap();
    assert_eq!(link.received, READINGS);
}

static SENSOR_UDS: UdsConnector<StdRawMutex, 16, 32> = UdsConnector::new();
static DASHBOARD_UDS: UdsConnector<StdRawMutex, 16, 32> = UdsConnector::new();

fn uds_up() -> bool {
    SENSOR_UDS.stats().runs > 0 && DASHBOARD_UDS.stats().runs > 0
}

async fn uds_readings(producer: Producer<'static, Temperature>) {
    produce(&producer, 60.0, uds_up).await;
}
async fn uds_setpoints(producer: Producer<'static, Temperature>) {
    produce(&producer, 80.0, uds_up).await;
}
async fn uds_seen_reading(consumer: Consumer<'static, Temperature>) {
    collect(consumer, |v| SEEN_UDS.lock().unwrap().0.push(v)).await;
}
async fn uds_seen_setpoint(consumer: Consumer<'static, Temperature>) {
    collect(consumer, |v| SEEN_UDS.lock().unwrap().1.push(v)).await;
}

aimdb::topology! {
    node uds_sensor: tokio;
    builder.configure::<Temperature>(LinkKey::UdsReading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 64 })
            .source(uds_readings)
            .link_to("uds://target/aimdb-e2e-uds.sock#climate/zone-a/reading")
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
    builder.configure::<Temperature>(LinkKey::UdsSetpoint, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 64 })
            .tap(uds_seen_setpoint)
            .link_from("uds://target/aimdb-e2e-uds.sock#climate/zone-a/setpoint")
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
}

aimdb::topology! {
    node uds_dashboard: tokio;
    builder.configure::<Temperature>(LinkKey::UdsReading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 64 })
            .tap(uds_seen_reading)
            .link_from("uds://target/aimdb-e2e-uds.sock#climate/zone-a/reading")
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
    builder.configure::<Temperature>(LinkKey::UdsSetpoint, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 64 })
            .source(uds_setpoints)
            .link_to("uds://target/aimdb-e2e-uds.sock#climate/zone-a/setpoint")
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_nodes_link_both_ways_over_one_unix_socket() {
    // The socket path is relative to the test's working directory, the crate's: make
    // sure its directory exists.
    std::fs::create_dir_all("target").unwrap();
    tokio::spawn(uds_sensor::run(uds_sensor::Links { uds: &SENSOR_UDS }));
    tokio::spawn(uds_dashboard::run(uds_dashboard::Links {
        uds: &DASHBOARD_UDS,
    }));
    until(|| SENSOR_UDS.endpoint().is_some()).await;
    tokio::spawn(async { SENSOR_UDS.serve().await });
    tokio::spawn(DASHBOARD_UDS.dial(Backoff::default()));

    let (readings, setpoints) = wait_for(&SEEN_UDS).await;
    assert_eq!((readings, setpoints), (series(60.0), series(80.0)));
    let _ = std::fs::remove_file("target/aimdb-e2e-uds.sock");
}
