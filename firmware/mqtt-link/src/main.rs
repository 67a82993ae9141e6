//! Records linked between this firmware and a host through an MQTT broker, straight from
//! UART0: QEMU's `-serial tcp:127.0.0.1:PORT` makes the UART a TCP connection to the
//! broker, and aimdb-connectors' embassy MQTT connector speaks MQTT over it.
//!
//! - `sensor/reading` (out, QoS 1): a source task produces [`READINGS`] readings into a
//!   static ring, one every [`PERIOD`]; a link task publishes each (seq and centi-degrees,
//!   8 bytes little-endian).
//! - `host/setpoint` (in, QoS 1): the inbound route produces the value into a ring; a task
//!   confirms it on `sensor/setpoint-ack` (out) as `2 * setpoint + 1`, so the host sees the
//!   value was processed.
//! - When all readings are out and the setpoint was confirmed, the firmware waits for the
//!   queue to drain and ends QEMU with status 0 (1 if a counter shows a dropped value or a
//!   rejected link; 3 if it did not finish within [`DEADLINE`]).
#![no_std]
#![no_main]

use core::future::poll_fn;
use core::sync::atomic::{AtomicBool, Ordering};

use aimdb_connectors::mqtt_embassy::{MqttConfig, MqttConnector, Persistent};
use aimdb_core::connector::{CodecError, Connector, InboundRoute};
use aimdb_core::mutex::CriticalSectionRawMutex;
use aimdb_core::{Consumer, Producer, RecordBuffer, SpmcRing};
use board_mps2::Uart0;
use embassy_time::{Duration, Instant, Ticker, Timer};
use panic_halt as _;

/// How many readings the source produces.
const READINGS: u32 = 200;

/// Time between two readings.
const PERIOD: Duration = Duration::from_millis(2);

/// The firmware gives up (status 3) if it is not done by then.
const DEADLINE: Duration = Duration::from_secs(30);

/// 8 values queued, payloads up to 16 bytes, the default 8 links.
static MQTT: MqttConnector<CriticalSectionRawMutex, 8, 16> =
    MqttConnector::new(MqttConfig::new("aimdb-mqtt-link"));

const READING_LINK: &str = "sensor/reading?qos=1";
const ACK_LINK: &str = "sensor/setpoint-ack?qos=1";

/// One sample of the sensor.
#[derive(Clone, Copy)]
struct Reading {
    seq: u32,
    centi_celsius: i32,
}

/// The simulated sensor: a deterministic saw-tooth the host test recomputes.
fn sample(seq: u32) -> i32 {
    2_000 + ((seq * 37) % 500) as i32 - 250
}

type ReadingRing = SpmcRing<CriticalSectionRawMutex, Reading, 16, 1>;
type WordRing = SpmcRing<CriticalSectionRawMutex, u32, 4, 1>;
static READING: ReadingRing = SpmcRing::new();
static SETPOINT: WordRing = SpmcRing::new();

static READINGS_DONE: AtomicBool = AtomicBool::new(false);
static SETPOINT_CONFIRMED: AtomicBool = AtomicBool::new(false);

fn decode_setpoint(payload: &[u8]) -> Result<(), CodecError> {
    let bytes: [u8; 4] = payload.try_into().map_err(|_| CodecError::Malformed)?;
    SETPOINT.produce(u32::from_le_bytes(bytes));
    Ok(())
}

static ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: "host/setpoint?qos=1",
    deliver: decode_setpoint,
}];

#[embassy_executor::task]
async fn mqtt(uart: Uart0) {
    let mut buffer = [0u8; 512];
    MQTT.run(&mut Persistent(uart), &mut buffer).await
}

#[embassy_executor::task]
async fn source(producer: Producer<'static, Reading, ReadingRing>) {
    let mut ticker = Ticker::every(PERIOD);
    for seq in 0..READINGS {
        ticker.next().await;
        let reading = Reading {
            seq,
            centi_celsius: sample(seq),
        };
        producer.produce(reading).await;
    }
}

/// Publish once there is room, as the generated link task does.
async fn publish(address: &'static str, payload: &[u8]) {
    poll_fn(|cx| MQTT.poll_ready(cx)).await;
    let _ = MQTT.publish(address, payload);
}

#[embassy_executor::task]
async fn link_readings(mut readings: Consumer<'static, Reading, ReadingRing>) {
    for _ in 0..READINGS {
        let reading = match readings.recv().await {
            Ok(reading) => reading,
            Err(_) => board_mps2::exit(2),
        };
        let mut payload = [0u8; 8];
        payload[..4].copy_from_slice(&reading.seq.to_le_bytes());
        payload[4..].copy_from_slice(&reading.centi_celsius.to_le_bytes());
        publish(READING_LINK, &payload).await;
    }
    READINGS_DONE.store(true, Ordering::Release);
}

#[embassy_executor::task]
async fn confirm(mut setpoints: Consumer<'static, u32, WordRing>) {
    loop {
        if let Ok(setpoint) = setpoints.recv().await {
            let ack = setpoint.wrapping_mul(2).wrapping_add(1);
            publish(ACK_LINK, &ack.to_le_bytes()).await;
            SETPOINT_CONFIRMED.store(true, Ordering::Release);
        }
    }
}

#[embassy_executor::task]
async fn finish() {
    let started = Instant::now();
    while !(READINGS_DONE.load(Ordering::Acquire)
        && SETPOINT_CONFIRMED.load(Ordering::Acquire)
        && MQTT.stats().queued == 0)
    {
        if started.elapsed() > DEADLINE {
            board_mps2::exit(3);
        }
        Timer::after(Duration::from_millis(5)).await;
    }
    // The last QoS 1 publishes are on the wire; give the broker time to take them.
    Timer::after(Duration::from_millis(300)).await;
    let dropped = [READING_LINK, ACK_LINK]
        .iter()
        .filter_map(|link| MQTT.link_stats(link))
        .map(|stats| stats.dropped + stats.oversize)
        .sum::<u32>();
    let faults = dropped + MQTT.stats().invalid_links;
    board_mps2::exit(if faults == 0 { 0 } else { 1 });
}

#[cortex_m_rt::entry]
fn main() -> ! {
    // Each failure below is a programming error in this file; exit codes tell them apart.
    let Some(board) = board_mps2::init() else {
        board_mps2::exit(10)
    };
    let Some(executor) = board_mps2::Executor::take() else {
        board_mps2::exit(11)
    };
    MQTT.attach(&ROUTES);
    let (Ok(readings), Ok(setpoints)) = (
        Consumer::subscribe(&READING),
        Consumer::subscribe(&SETPOINT),
    ) else {
        board_mps2::exit(12)
    };
    executor.run(|spawner| {
        let spawned = [
            mqtt(board.uart).map(|t| spawner.spawn(t)),
            link_readings(readings).map(|t| spawner.spawn(t)),
            confirm(setpoints).map(|t| spawner.spawn(t)),
            finish().map(|t| spawner.spawn(t)),
            source(Producer::new(&READING)).map(|t| spawner.spawn(t)),
        ];
        if spawned.iter().any(Result::is_err) {
            board_mps2::exit(13);
        }
    })
}
