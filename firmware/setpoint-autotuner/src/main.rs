//! The setpoint system's `autotuner` node on a Cortex-M4 (QEMU `mps2-an386`), generated
//! from `topologies/setpoint.toml`: it owns `setpoint/request/autotuner` (a ring of 8) and
//! publishes it on `mqtt://setpoint/request/autotuner` at QoS 1; the controller on the host
//! joins it with the operators' requests.
//!
//! The hand-written part is this file: the source (`autotune`: the requests of
//! `climate_model::setpoint::AUTOTUNER_SCHEDULE`, each at its time after boot), the MQTT
//! connector over UART0 and `main`. Status lines go to the semihosting console.
#![no_std]
#![no_main]

use aimdb::Producer;
use aimdb::connectors::mqtt_embassy::{Credentials, MqttConfig, MqttConnector, Persistent};
use aimdb::mutex::CriticalSectionRawMutex;
use board_mps2::Uart0;
use climate_model::SetpointRequest;
use climate_model::setpoint::AUTOTUNER_SCHEDULE;
use cortex_m_semihosting::hprintln;
use embassy_time::{Duration, Instant, Timer};

aimdb::topology!(file = "../../topologies/setpoint.toml", node = "autotuner");

const TAG: &str = "[autotuner qemu]";

static MQTT: MqttConnector<CriticalSectionRawMutex, 8, 16> = MqttConnector::new(MqttConfig {
    keep_alive: Duration::from_secs(4),
    backoff_max: Duration::from_secs(2),
    // With QEMU's `reconnect=` the UART is wired to the broker a moment after boot, and a
    // CONNECT sent before that is lost: retry soon rather than after the default 5 s.
    connect_timeout: Duration::from_secs(1),
    ..MqttConfig::new("setpoint-autotuner")
});

/// The source named in the topology file: each scripted request at its time after boot.
async fn autotune(producer: Producer<'static, SetpointRequest>) {
    let boot = Instant::from_ticks(0);
    for (at_ms, tenths) in AUTOTUNER_SCHEDULE {
        Timer::at(boot + Duration::from_millis(at_ms)).await;
        producer.produce(SetpointRequest { tenths }).await;
        hprintln!(
            "{TAG} request {}.{} °C at {} ms (mqtt connects {})",
            tenths / 10,
            tenths % 10,
            Instant::now().as_millis(),
            MQTT.stats().connects
        );
    }
    // Keep the node up until the QoS 1 publishes are acknowledged, then say so.
    while MQTT.stats().queued > 0 {
        Timer::after_millis(10).await;
    }
    hprintln!("{TAG} all {} requests sent", AUTOTUNER_SCHEDULE.len());
}

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
        "{TAG} booted; record buffers {} B; publishing setpoint/request/autotuner over UART0",
        autotuner::ram::TOTAL
    );
    log_in();
    executor.run(|spawner| {
        autotuner::spawn(spawner, autotuner::Links { mqtt: &MQTT });
        if mqtt(board.uart).map(|task| spawner.spawn(task)).is_err() {
            board_mps2::exit(13);
        }
    })
}

/// The MQTT login from the host (QEMU's `-append "mqtt-credentials=FILE"`, read through
/// semihosting; see `board_mps2::login`): the broker knows this node as user `autotuner`.
/// Without it the node connects anonymously.
fn log_in() {
    let login = board_mps2::login::mqtt(autotuner::NODE).report(TAG);
    MQTT.set_credentials(login.map(|(username, password)| Credentials { username, password }));
}

/// UART0 carries MQTT, so a panic is reported on the semihosting console; QEMU exits 101.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    hprintln!("{TAG} panic: {}", info.message());
    board_mps2::exit(board_mps2::PANIC_STATUS)
}
