//! The climate system's `sensor` node built for the host: the same node the firmware runs
//! (`runtime = "embassy"` in `topologies/climate.toml`), generated from the same file, on
//! embassy's std executor, with the same embassy MQTT connector over a TCP socket instead
//! of UART0. For machines without QEMU: the demo falls back to it.
//!
//! ```sh
//! cargo run --release -p climate-host --bin sensor-host -- --broker 127.0.0.1:1883
//! ```
//!
//! A broker that enforces the topology (`scripts/broker.sh`) wants the node's login:
//! `AIMDB_MQTT_PASSWORD` (and `AIMDB_MQTT_USERNAME`, default `sensor`) in the environment.

use aimdb::Producer;
use aimdb::connectors::mqtt::credentials_from_env;
use aimdb::connectors::mqtt_embassy::{Credentials, MqttConfig, MqttConnector};
use aimdb::mutex::CriticalSectionRawMutex;
use climate_host::{Tcp, broker_from_args, celsius, link_state, login_text, tag};
use climate_model::{Temperature, reading::produce_readings};

aimdb::topology!(file = "../topologies/climate.toml", node = "sensor");

/// 16 readings queued, payloads up to 32 bytes: the firmware's settings.
static MQTT: MqttConnector<CriticalSectionRawMutex, 16, 32> = MqttConnector::new(MqttConfig {
    backoff_max: embassy_time::Duration::from_secs(2),
    liveness: Some(sensor::LIVENESS),
    ..MqttConfig::new("climate-sensor-host")
});

/// Print a status line every this many readings (twice a second at the 10 ms period).
const REPORT_EVERY: u32 = 50;

/// The source: the shared simulated sensor, with a status line now and then.
async fn read_temperature_loop(producer: Producer<'static, Temperature>) {
    let tag = tag("sensor", "host");
    produce_readings(&producer, |reading| {
        if reading.seq % REPORT_EVERY == 0 {
            let stats = MQTT.stats();
            let link = link_state(stats.connected, u64::from(stats.connects));
            let out = MQTT
                .link_stats("climate/zone-a/reading")
                .unwrap_or_default();
            println!(
                "{tag} reading #{} {} ({} reconnects) {link}; link: {} sent, {} queued, {} lagged, {} dropped",
                reading.seq,
                celsius(reading.centi_celsius()),
                stats.reconnects,
                out.sent,
                stats.queued,
                out.lagged,
                out.dropped + out.encode_errors + out.oversize,
            );
        }
    })
    .await
}

fn main() {
    let broker = match broker_from_args("sensor-host") {
        Ok(broker) => broker,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    // The login, from AIMDB_MQTT_USERNAME (default `sensor`) and AIMDB_MQTT_PASSWORD; the
    // embassy connector borrows it for the program's life.
    MQTT.set_credentials(
        credentials_from_env(sensor::NODE).map(|(user, password)| Credentials {
            username: user.leak(),
            password: password.leak(),
        }),
    );
    println!(
        "{} the sensor node on the host (embassy std executor), publishing to mqtt://{broker} ({})",
        tag("sensor", "host"),
        login_text(MQTT.username()),
    );
    // The node's tasks on an embassy executor thread; the connection on tokio (its socket).
    climate_host::embassy_thread(|spawner| sensor::spawn(spawner, sensor::Links { mqtt: &MQTT }));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let mut buffer = [0u8; 512];
        MQTT.run(&mut Tcp(broker), &mut buffer).await
    })
}
