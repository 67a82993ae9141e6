//! The climate system's `sensor` node on a Cortex-M4 (QEMU `mps2-an386`), generated from
//! `topologies/climate.toml`: the reading is produced into a static `SpmcRing` of 256 and
//! published on `mqtt://climate/zone-a/reading` at QoS 1.
//!
//! The hand-written part is this file: the source body (the shared simulated sensor from
//! `climate-model`, one reading every 10 ms), the MQTT connector (aimdb-connectors'
//! embassy connector over UART0, which QEMU's `-serial tcp:BROKER` wires straight to the
//! broker), and `main` (board set-up, the connection task, the node's `spawn`).
//!
//! Status lines go to the semihosting console (QEMU's stdout), because UART0 carries MQTT:
//! one at boot with the generated RAM constants, then one every 50 readings with the
//! link's counters.
#![no_std]
#![no_main]

use aimdb::Producer;
use aimdb::connectors::mqtt_embassy::{Credentials, MqttConfig, MqttConnector, Persistent};
use aimdb::mutex::CriticalSectionRawMutex;
use board_mps2::Uart0;
#[cfg(not(feature = "schema-v2"))]
use climate_model::Temperature;
// The reading in its later version (see Cargo.toml), with the topology file that pins it.
use climate_model::reading::produce_readings;
#[cfg(feature = "schema-v2")]
use climate_model::{TemperatureWithHumidity, TemperatureWithHumidity as Temperature};
use cortex_m_semihosting::hprintln;

#[cfg(not(feature = "schema-v2"))]
aimdb::topology!(file = "../../topologies/climate.toml", node = "sensor");
#[cfg(feature = "schema-v2")]
aimdb::topology!(file = "climate-v2.toml", node = "sensor");

/// The status-line prefix, as the host binaries print theirs.
const TAG: &str = "[sensor    qemu]";

/// The reading's link address in `topologies/climate.toml` (for its counters).
const READING_TOPIC: &str = "climate/zone-a/reading";

/// A status line every this many readings (twice a second).
const REPORT_EVERY: u32 = 50;

/// 16 readings queued while a session is down or QoS 1 acknowledgements are pending;
/// payloads up to 32 bytes (a reading takes 16). The short keep-alive is what notices a
/// dead broker behind the UART (the UART itself never fails): at most 4 s.
static MQTT: MqttConnector<CriticalSectionRawMutex, 16, 32> = MqttConnector::new(MqttConfig {
    keep_alive: embassy_time::Duration::from_secs(4),
    backoff_max: embassy_time::Duration::from_secs(2),
    // With QEMU's `reconnect=` the UART is wired to the broker a moment after boot, and a
    // CONNECT sent before that is lost: retry soon rather than after the default 5 s.
    connect_timeout: embassy_time::Duration::from_secs(1),
    // `online` (retained) on every connect, `offline` as the last will.
    liveness: Some(sensor::LIVENESS),
    ..MqttConfig::new("climate-sensor")
});

/// The source named in the topology file.
async fn read_temperature_loop(producer: Producer<'static, Temperature>) {
    produce_readings(&producer, |reading| {
        if reading.seq % REPORT_EVERY == 0 {
            let stats = MQTT.stats();
            let link = match (stats.connected, stats.connects) {
                (true, _) => "broker up",
                (false, 0) => "connecting to the broker",
                (false, _) => "broker DOWN, reconnecting",
            };
            let centi = reading.centi_celsius();
            // Where every reading so far went (scripts/soak.sh adds them up): published,
            // waiting in the connector's queue, lost to the ring's lag while the queue was
            // full (a broker outage longer than the ring holds), or dropped.
            let out = MQTT.link_stats(READING_TOPIC).unwrap_or_default();
            hprintln!(
                "{TAG} reading #{} {}.{:02} °C ({} reconnects) {link}; link: {} sent, {} queued, {} lagged, {} dropped, {} resent",
                reading.seq,
                centi / 100,
                centi % 100,
                stats.reconnects,
                out.sent,
                stats.queued,
                out.lagged,
                out.dropped + out.encode_errors + out.oversize,
                stats.resent,
            );
        }
    })
    .await
}

/// The MQTT session over UART0, for ever (reconnecting after a lost broker).
#[embassy_executor::task]
async fn mqtt(uart: Uart0) {
    let mut buffer = [0u8; 256];
    MQTT.run(&mut Persistent(uart), &mut buffer).await
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let Some(board) = board_mps2::init() else {
        board_mps2::exit(10)
    };
    let Some(executor) = board_mps2::Executor::take() else {
        board_mps2::exit(11)
    };
    hprintln!(
        "{TAG} booted; record buffers {} B (sensor::ram::READING {} B); publishing climate/zone-a/reading over UART0; contract {}",
        sensor::ram::TOTAL,
        sensor::ram::READING,
        sensor::READING_FINGERPRINT
    );
    log_in();
    executor.run(|spawner| {
        sensor::spawn(spawner, sensor::Links { mqtt: &MQTT });
        if mqtt(board.uart).map(|task| spawner.spawn(task)).is_err() {
            board_mps2::exit(13);
        }
    })
}

/// The MQTT login from the host (QEMU's `-append "mqtt-credentials=FILE"`, read through
/// semihosting; see `board_mps2::login`): the broker knows this node as user `sensor`.
/// Without it the node connects anonymously.
fn log_in() {
    let login = board_mps2::login::mqtt(sensor::NODE).report(TAG);
    MQTT.set_credentials(login.map(|(username, password)| Credentials { username, password }));
}

/// UART0 carries MQTT, so a panic is reported on the semihosting console; QEMU exits 101.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    hprintln!("{TAG} panic: {}", info.message());
    board_mps2::exit(board_mps2::PANIC_STATUS)
}
