//! One contract per record, checked on the wire against real firmware.
//!
//! `firmware/climate-sensor` is built twice: as it is, from `topologies/climate.toml`, and
//! with its `schema-v2` feature, from `firmware/climate-sensor/climate-v2.toml`, whose reading
//! is a later version of the type with an extra `humidity` field
//! (`climate_model::TemperatureWithHumidity`; each file pins its own contract). Both publish
//! postcard with the contract header (the fingerprint of the type they were compiled with). Checked, each firmware booted in QEMU against a
//! private mosquitto on 127.0.0.1:
//! - the plain firmware prints its contract at boot, and it is the host's
//!   (`Temperature::FINGERPRINT` computed on x86_64, `sensor::READING_FINGERPRINT` on
//!   thumbv7em): the same type gives the same fingerprint on both targets;
//! - against the v2 firmware, today's dashboard (the file's `dashboard` node) refuses every
//!   reading: its tap sees none, the link counts them as `schema_mismatch` (not as decode
//!   errors), and the dashboard stays connected the whole time;
//! - at the same time a second observer that declares the migration
//!   (`.accepts::<TemperatureWithHumidity>()`, with `From<TemperatureWithHumidity> for
//!   Temperature`) takes the same payloads and converts them: its readings are the sensor's
//!   exact values, in order, and the firmware's printed contract is the fingerprint of
//!   `TemperatureWithHumidity` computed here.
//!
//! Without QEMU: the named codecs' round trips are property-tested against serde's own
//! encoders (`postcard::to_slice`, `serde_json::to_vec`): the body after the header is
//! exactly serde's bytes, and decodes back to the value; a migration chain decodes the oldest
//! version through every step.
//!
//! Needs `qemu-system-arm`, the `thumbv7em-none-eabihf` target and mosquitto.

#[path = "../../aimdb-connectors/tests/support/broker.rs"]
mod broker;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use aimdb::Consumer;
use aimdb::contract::Fingerprinted;
use aimdb_connectors::mqtt::{MqttConfig, MqttConnector};
use aimdb_tests::qemu::{Firmware, Qemu, QemuError};
use climate_model::{Temperature, TemperatureWithHumidity, sample};

aimdb::topology!(file = "../topologies/climate.toml", node = "dashboard");

aimdb::topology! {
    node migrating: tokio;

    builder.configure::<Temperature>("migrated/zone-a/reading", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 64 })
            .tap(migrated_tap)
            .accepts::<TemperatureWithHumidity>()
            .contract("d2660728cb357589") // the pin, as topologies/climate.toml writes it
            .link_from("mqtt://climate/zone-a/reading")
            .with_codec(aimdb::codec::Postcard)
            .finish();
    });
}

/// Readings the migrating observer must take before the test stops.
const WANTED: usize = 100;
const WAIT: Duration = Duration::from_secs(40);

static SEEN: Mutex<Vec<Temperature>> = Mutex::new(Vec::new());
static MIGRATED: Mutex<Vec<Temperature>> = Mutex::new(Vec::new());

/// The dashboard's tap, named in the topology file.
async fn render_chart(mut consumer: Consumer<'static, Temperature>) {
    while let Ok(reading) = consumer.recv().await {
        SEEN.lock().unwrap().push(reading);
    }
}

async fn migrated_tap(mut consumer: Consumer<'static, Temperature>) {
    loop {
        match consumer.recv().await {
            Ok(reading) => MIGRATED.lock().unwrap().push(reading),
            Err(aimdb::RecvError::Lagged(n)) => panic!("the migrating tap lagged by {n}"),
            Err(e) => panic!("the migrating tap: {e}"),
        }
    }
}

/// The contract the firmware printed at boot (`…; contract 530dd211c8915a0c`).
fn printed_contract(qemu: &Qemu) -> Option<String> {
    let output = qemu.output();
    let line = output.lines().find(|l| l.contains("booted;"))?;
    let (_, hex) = line.rsplit_once("contract ")?;
    Some(hex.trim().to_owned())
}

fn wait_until(what: &str, qemu: &Qemu, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; QEMU said:\n{}",
            qemu.output()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_firmware_and_the_host_compute_the_same_fingerprint() -> Result<(), QemuError> {
    let elf = Firmware::build("climate-sensor")?;
    let broker = broker::Broker::start();
    let addr = ([127, 0, 0, 1], broker.port).into();
    let mut qemu = Qemu::boot_serial_to(&elf, addr)?;
    wait_until("the boot line", &qemu, || printed_contract(&qemu).is_some());
    let printed = printed_contract(&qemu).expect("a contract on the boot line");
    qemu.kill();
    println!(
        "contract of Temperature: thumbv7em (QEMU) {printed}, x86_64 {}",
        Temperature::FINGERPRINT
    );
    assert_eq!(printed, Temperature::FINGERPRINT.to_string());
    // The value climate-model pins (and checks in a const on thumbv7em and wasm32 builds).
    assert_eq!(
        Temperature::FINGERPRINT.as_u64(),
        climate_model::reading::FINGERPRINT
    );
    assert_eq!(printed, dashboard::READING_FINGERPRINT.to_string());
    Ok(())
}

#[test]
fn a_sensor_built_with_another_temperature_is_refused_counted_and_migrated() -> Result<(), QemuError>
{
    let elf = Firmware::build_with_features("climate-sensor", &["schema-v2"])?;
    let broker = broker::Broker::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| QemuError::Io(format!("tokio: {e}")))?;

    // Today's dashboard and the migrating observer, each with its own MQTT session,
    // subscribed before the sensor boots.
    let (mqtt, migrating_mqtt) = runtime.block_on(async {
        let config = |id: &str| MqttConfig::new("127.0.0.1", broker.port, id);
        (
            MqttConnector::start(config("contract-dashboard")).expect("valid config"),
            MqttConnector::start(config("contract-migrating")).expect("valid config"),
        )
    });
    runtime.spawn(dashboard::run(dashboard::Links { mqtt }));
    runtime.spawn(migrating::run(migrating::Links {
        mqtt: migrating_mqtt,
    }));
    let ready = Instant::now();
    while mqtt.stats().subscribe_acks < 1 || migrating_mqtt.stats().subscribe_acks < 1 {
        assert!(ready.elapsed() < WAIT, "the observers never subscribed");
        std::thread::sleep(Duration::from_millis(5));
    }

    let addr = ([127, 0, 0, 1], broker.port).into();
    let mut qemu = Qemu::boot_serial_to(&elf, addr)?;
    wait_until("the migrating observer's readings", &qemu, || {
        MIGRATED.lock().unwrap().len() >= WANTED
    });
    let printed = printed_contract(&qemu).expect("a contract on the boot line");
    let link = mqtt
        .link_stats("climate/zone-a/reading")
        .expect("the dashboard's link");
    let stats = mqtt.stats();
    let migrated = MIGRATED.lock().unwrap().clone();
    let seen = SEEN.lock().unwrap().len();
    qemu.kill();

    println!(
        "v2 firmware contract {printed} (the dashboard's {}): dashboard refused {} readings \
         as schema_mismatch ({} decode errors, {} received, tap saw {seen}); the migrating \
         observer converted {}",
        dashboard::READING_FINGERPRINT,
        link.schema_mismatch,
        link.decode_errors,
        link.received,
        migrated.len()
    );
    // The firmware wrote another contract, the one of the type the migration names.
    assert_ne!(printed, Temperature::FINGERPRINT.to_string());
    assert_eq!(printed, TemperatureWithHumidity::FINGERPRINT.to_string());
    // Refused, counted as a contract mismatch, and nothing reached the tap.
    assert_eq!(
        seen, 0,
        "the dashboard's tap got readings of another contract"
    );
    assert_eq!(link.received, 0);
    assert_eq!(
        link.decode_errors, 0,
        "counted as malformed, not as a mismatch"
    );
    assert!(
        link.schema_mismatch >= WANTED as u64 / 2,
        "schema_mismatch {} after {} readings",
        link.schema_mismatch,
        migrated.len()
    );
    // And the dashboard kept its session all along.
    assert!(stats.connected, "the dashboard lost its broker: {stats:?}");
    assert_eq!(stats.reconnects, 0, "the dashboard reconnected: {stats:?}");
    // The migrating observer's readings are the sensor's, converted, in order.
    for pair in migrated.windows(2) {
        assert!(
            pair[1].seq > pair[0].seq,
            "out of order at #{}",
            pair[1].seq
        );
    }
    for reading in &migrated {
        assert_eq!(reading.celsius.to_bits(), sample(reading.seq).to_bits());
    }
    Ok(())
}

mod round_trips {
    use aimdb::codec::{Json, Postcard};
    use aimdb::contract::{self, Fingerprinted, HEADER_LEN};
    use climate_model::{Temperature, TemperatureWithHumidity};
    use proptest::prelude::*;

    fn temperature() -> impl Strategy<Value = Temperature> {
        (any::<u32>(), any::<f32>(), any::<u64>()).prop_map(|(seq, celsius, taken_us)| {
            Temperature {
                seq,
                celsius,
                taken_us,
            }
        })
    }

    /// Bit for bit, NaN included.
    fn same(a: &Temperature, b: &Temperature) -> bool {
        a.seq == b.seq && a.celsius.to_bits() == b.celsius.to_bits() && a.taken_us == b.taken_us
    }

    proptest! {
        #[test]
        fn postcard_is_serde_postcard_behind_the_header(value in temperature()) {
            let mut out = [0u8; 64];
            let n = contract::encode::<Postcard, _>(&value, &mut out).unwrap();
            prop_assert_eq!(&out[..HEADER_LEN], &Temperature::FINGERPRINT.0[..]);
            let mut serde = [0u8; 64];
            let serde = postcard::to_slice(&value, &mut serde).unwrap();
            prop_assert_eq!(&out[HEADER_LEN..n], &serde[..]);
            let back: Temperature = contract::decode::<Postcard, Temperature, ()>(&out[..n]).unwrap();
            prop_assert!(same(&back, &value));
        }

        #[test]
        fn json_is_serde_json_behind_the_header(value in temperature()) {
            let mut out = [0u8; 256];
            let encoded = contract::encode::<Json, _>(&value, &mut out);
            let serde = serde_json::to_vec(&value);
            // serde_json writes no non-finite float: both refuse it or both write the same.
            match (encoded, serde) {
                (Ok(n), Ok(serde)) => {
                    prop_assert_eq!(&out[HEADER_LEN..n], &serde[..]);
                    let back: Temperature = contract::decode::<Json, Temperature, ()>(&out[..n]).unwrap();
                    let again: Temperature = serde_json::from_slice(&serde).unwrap();
                    prop_assert!(same(&back, &again));
                }
                (Err(_), Err(_)) => {}
                (ours, theirs) => prop_assert!(false, "ours {:?}, serde_json {:?}", ours, theirs.map(|v| v.len())),
            }
        }

        #[test]
        fn a_later_version_is_refused_unless_accepted(value in temperature(), humidity in any::<f32>()) {
            let later = TemperatureWithHumidity { seq: value.seq, celsius: value.celsius, taken_us: value.taken_us, humidity };
            let mut out = [0u8; 64];
            let n = contract::encode::<Postcard, _>(&later, &mut out).unwrap();
            prop_assert_eq!(
                contract::decode::<Postcard, Temperature, ()>(&out[..n]),
                Err(aimdb::connector::CodecError::SchemaMismatch)
            );
            let back = contract::decode::<Postcard, Temperature, (TemperatureWithHumidity, ())>(&out[..n]).unwrap();
            prop_assert!(same(&back, &value));
        }
    }
}
