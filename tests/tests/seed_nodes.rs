//! The seed's sensor and dashboard snippets, unchanged, as two tokio nodes in one process,
//! linked through an in-memory loopback bus standing in for the MQTT broker.

use std::sync::Mutex;
use std::time::Duration;

use aimdb::connectors::loopback::LoopbackBus;
use aimdb::{Consumer, Producer};

include!("../ui/topology/climate.rs");

/// How many readings the sensor produces, one every `PACE`.
const READINGS: u32 = 20;
const PACE: Duration = Duration::from_millis(5);

/// What the dashboard's tap saw, in order.
static SEEN: Mutex<Vec<f32>> = Mutex::new(Vec::new());

async fn read_temperature_loop(producer: Producer<'static, Temperature>) {
    for i in 0..READINGS {
        let _ = producer
            .produce(Temperature {
                celsius: 20.0 + i as f32,
            })
            .await;
        tokio::time::sleep(PACE).await;
    }
}

async fn render_chart(mut consumer: Consumer<'static, Temperature>) {
    while let Ok(reading) = consumer.recv().await {
        SEEN.lock().unwrap().push(reading.celsius);
    }
}

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 256 })
            .source(read_temperature_loop)
            .link_to("mqtt://climate/zone-a/reading") // I produce this
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
}

aimdb::topology! {
    node dashboard: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(render_chart)
            .link_from("mqtt://climate/zone-a/reading") // I observe what's produced elsewhere
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
}

static BUS: LoopbackBus = LoopbackBus::new();

#[tokio::test(flavor = "current_thread")]
async fn dashboard_sees_every_reading_of_the_sensor_in_order() {
    tokio::spawn(dashboard::run(dashboard::Links { mqtt: &BUS }));
    // On a current-thread runtime the dashboard now runs up to its first await: its routes
    // are attached before the sensor publishes anything.
    tokio::task::yield_now().await;
    tokio::spawn(sensor::run(sensor::Links { mqtt: &BUS }));

    let expected: Vec<f32> = (0..READINGS).map(|i| 20.0 + i as f32).collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while SEEN.lock().unwrap().len() < expected.len() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Give a stray extra value time to show up before comparing.
    tokio::time::sleep(Duration::from_millis(20)).await;
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
    // The sensor declared its link with its record's buffer before publishing on it.
    assert_eq!(
        BUS.registered("climate/zone-a/reading"),
        Some(aimdb::BufferKind::SpmcRing { capacity: 256 })
    );
    // Buffers are sized from the topology: the sensor's ring holds 256 readings.
    assert_eq!(sensor::READING.capacity(), 256);
    // The RAM figures are constants: checked at compile time.
    const { assert!(sensor::ram::TOTAL >= sensor::ram::READING && sensor::ram::READING > 256 * 4) };
}
