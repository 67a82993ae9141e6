//! The seed's sensor and dashboard snippets, unchanged, as two embassy nodes on one host
//! executor (`platform-std`), linked through an in-memory loopback bus standing in for the
//! MQTT broker. A separate test binary from the tokio run: the run-time registry is
//! process-wide, and two sensors owning one key in one process is exactly what it rejects.

use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Duration;

use aimdb::connectors::loopback::LoopbackBus;
use aimdb::{Consumer, Producer};
use embassy_executor::Executor;

include!("../ui/topology/climate.rs");

/// How many readings the sensor produces, one every `PACE_MS`.
const READINGS: u32 = 20;
const PACE_MS: u64 = 5;

/// What the dashboard's tap saw, in order.
static SEEN: Mutex<Vec<f32>> = Mutex::new(Vec::new());

async fn read_temperature_loop(producer: Producer<'static, Temperature>) {
    for i in 0..READINGS {
        let _ = producer
            .produce(Temperature {
                celsius: 20.0 + i as f32,
            })
            .await;
        embassy_time::Timer::after_millis(PACE_MS).await;
    }
}

async fn render_chart(mut consumer: Consumer<'static, Temperature>) {
    while let Ok(reading) = consumer.recv().await {
        SEEN.lock().unwrap().push(reading.celsius);
    }
}

aimdb::topology! {
    node sensor: embassy;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 256 })
            .source(read_temperature_loop)
            .link_to("mqtt://climate/zone-a/reading") // I produce this
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
}

aimdb::topology! {
    node dashboard: embassy;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(render_chart)
            .link_from("mqtt://climate/zone-a/reading") // I observe what's produced elsewhere
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
}

static BUS: LoopbackBus = LoopbackBus::new();

#[test]
fn dashboard_sees_every_reading_of_the_sensor_in_order() {
    let (started, start) = mpsc::channel();
    // The executor never returns; it runs on a thread the process ends with.
    std::thread::spawn(move || {
        let executor: &'static mut Executor = Box::leak(Box::new(Executor::new()));
        executor.run(move |spawner| {
            // `spawn` attaches routes before returning: the dashboard is listening before
            // the sensor's first reading.
            dashboard::spawn(spawner, dashboard::Links { mqtt: &BUS });
            sensor::spawn(spawner, sensor::Links { mqtt: &BUS });
            started.send(()).unwrap();
        })
    });
    start
        .recv_timeout(Duration::from_secs(5))
        .expect("executor started");

    let expected: Vec<f32> = (0..READINGS).map(|i| 20.0 + i as f32).collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while SEEN.lock().unwrap().len() < expected.len() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(*SEEN.lock().unwrap(), expected);
    let counters = BUS.counters();
    assert_eq!(
        counters
            .published
            .load(std::sync::atomic::Ordering::Relaxed),
        READINGS
    );
    assert_eq!(
        counters
            .delivered
            .load(std::sync::atomic::Ordering::Relaxed),
        READINGS
    );
    assert_eq!(sensor::READING.capacity(), 256);
}
