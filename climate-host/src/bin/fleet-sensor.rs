//! One instance of the fleet's `sensor` node (`topologies/fleet.toml`, `count = 200`) on the
//! host: the same image for every zone, the zone chosen at start-up and checked against the
//! file's set. The generated node on embassy's std executor, publishing over the embassy MQTT
//! connector (as `sensor-host` does for the climate system), 100 readings/s at QoS 1.
//!
//! ```sh
//! cargo run --release -p climate-host --bin fleet-sensor -- --broker 127.0.0.1:1883 --instance 7
//! ```
//!
//! Each reading's `taken_us` is wall-clock time (µs since the UNIX epoch), so a dashboard on
//! the same machine can measure its latency (`scripts/scale.sh`).

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use aimdb::Producer;
use aimdb::connectors::mqtt_embassy::{MqttConfig, MqttConnector};
use aimdb::mutex::CriticalSectionRawMutex;
use climate_host::{Tcp, resolve};
use climate_model::{Temperature, sample};

aimdb::topology!(file = "../topologies/fleet.toml", node = "sensor");

/// 64 readings queued, payloads up to 32 bytes.
type Mqtt = MqttConnector<CriticalSectionRawMutex, 64, 32>;

/// The source: a reading every 10 ms, stamped with the wall clock.
async fn read_temperature_loop(producer: Producer<'static, Temperature>) {
    let mut ticker = embassy_time::Ticker::every(embassy_time::Duration::from_millis(10));
    for seq in 0.. {
        let taken_us = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64);
        producer
            .produce(Temperature {
                seq,
                celsius: sample(seq),
                taken_us,
            })
            .await;
        ticker.next().await;
    }
}

/// `--broker HOST:PORT --instance NAME`.
fn args() -> Result<(SocketAddr, sensor::Instance), String> {
    let usage = "usage: fleet-sensor --broker HOST:PORT --instance NAME";
    let (mut broker, mut instance) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or(usage)?;
        match arg.as_str() {
            "--broker" => broker = Some(resolve(&value)?),
            "--instance" => {
                instance = Some(sensor::Instance::parse(&value).ok_or_else(|| {
                    format!(
                        "`{value}` is not an instance of the sensor node: {}..{}",
                        sensor::INSTANCES[0],
                        sensor::INSTANCES[sensor::INSTANCES.len() - 1]
                    )
                })?);
            }
            _ => return Err(usage.to_owned()),
        }
    }
    Ok((broker.ok_or(usage)?, instance.ok_or(usage)?))
}

fn main() {
    let host = std::env::var_os("FLEET_SENSOR_CONNECTOR").is_some_and(|c| c == "tokio");
    let (broker, instance) = args().unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2)
    });
    if host {
        return with_host_connector(broker, instance);
    }
    // One connector per process, named after the instance (its client id and liveness).
    let mqtt: &'static Mqtt = Box::leak(Box::new(MqttConnector::new(MqttConfig {
        backoff_max: embassy_time::Duration::from_secs(2),
        liveness: Some(instance.liveness()),
        ..MqttConfig::new(instance.node_name())
    })));
    climate_host::embassy_thread(move |spawner| {
        sensor::spawn(spawner, sensor::Links { mqtt }, instance)
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let mut buffer = [0u8; 512];
        mqtt.run(&mut Tcp(broker), &mut buffer).await
    })
}

/// `FLEET_SENSOR_CONNECTOR=tokio`: the same node on the embassy executor, publishing through
/// the host MQTT connector (rumqttc on tokio) instead of the embassy one.
fn with_host_connector(broker: SocketAddr, instance: sensor::Instance) {
    use aimdb::connectors::mqtt as host;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mqtt = runtime.block_on(async {
        let config =
            host::MqttConfig::new(broker.ip().to_string(), broker.port(), instance.node_name());
        host::MqttConnector::start(config).expect("valid config")
    });
    let handle = runtime.handle().clone();
    // The executor thread stays in the runtime's context: the connector is tokio's.
    std::thread::spawn(move || {
        let _tokio = handle.enter();
        let executor: &'static mut embassy_executor::Executor =
            Box::leak(Box::new(embassy_executor::Executor::new()));
        executor.run(|spawner| sensor::spawn(spawner, sensor::Links { mqtt }, instance))
    });
    runtime.block_on(core::future::pending::<()>())
}
