//! MQTT straight from firmware in QEMU to a real broker: `firmware/mqtt-link` runs
//! aimdb-connectors' embassy MQTT connector (rust-mqtt) over board-mps2's UART0, which QEMU
//! connects to a private mosquitto on 127.0.0.1; the host side is aimdb's tokio MQTT
//! connector on the same broker.
//!
//! Checked: all readings arrive at the host in order with exactly the values the firmware
//! produced (QoS 1); a retained setpoint published by the host reaches the firmware, which
//! confirms it as `2 * setpoint + 1`; the firmware exits 0 (no value dropped, no link
//! rejected). Prints the time from boot to the first reading and the reading rate.
//!
//! Needs `qemu-system-arm`, the `thumbv7em-none-eabihf` target and mosquitto.

#[path = "../../aimdb-connectors/tests/support/broker.rs"]
mod broker;

use std::future::poll_fn;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use aimdb_connectors::mqtt::{MqttConfig, MqttConnector};
use aimdb_core::connector::{CodecError, Connector, InboundRoute};
use aimdb_core::mutex::StdRawMutex;
use aimdb_core::{Consumer, RecordBuffer, SpmcRing};
use aimdb_tests::qemu::{Firmware, Qemu, QemuError};
use tokio::time::timeout;

/// What `firmware/mqtt-link` produces (its `READINGS`) and how (its `sample`).
const READINGS: u32 = 200;
fn sample(seq: u32) -> i32 {
    2_000 + ((seq * 37) % 500) as i32 - 250
}

const SETPOINT: u32 = 2_150;
const WAIT: Duration = Duration::from_secs(30);

static READING: SpmcRing<StdRawMutex, (u32, i32), 256, 1> = SpmcRing::new();
static ACK: SpmcRing<StdRawMutex, u32, 4, 1> = SpmcRing::new();

/// Little-endian `u32`s of a payload of exactly `N` of them.
fn words<const N: usize>(payload: &[u8]) -> Result<[u32; N], CodecError> {
    if payload.len() != 4 * N {
        return Err(CodecError::Malformed);
    }
    let mut out = [0u32; N];
    for (word, chunk) in out.iter_mut().zip(payload.chunks_exact(4)) {
        *word = u32::from_le_bytes(chunk.try_into().expect("4 bytes"));
    }
    Ok(out)
}

static ROUTES: [InboundRoute; 2] = [
    InboundRoute {
        address: "sensor/reading?qos=1",
        deliver: |p| words::<2>(p).map(|[seq, c]| READING.produce((seq, c as i32))),
    },
    InboundRoute {
        address: "sensor/setpoint-ack?qos=1",
        deliver: |p| words::<1>(p).map(|[ack]| ACK.produce(ack)),
    },
];

#[test]
fn firmware_in_qemu_speaks_mqtt_to_a_real_broker() -> Result<(), QemuError> {
    let elf = Firmware::build("mqtt-link")?;
    let broker = broker::Broker::start();
    let broker_addr: SocketAddr = ([127, 0, 0, 1], broker.port).into();
    let io = |e: std::io::Error| QemuError::Io(format!("tokio: {e}"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(io)?;

    runtime.block_on(async {
        let host = MqttConnector::start(MqttConfig::new("127.0.0.1", broker.port, "qemu-host"))
            .expect("valid config");
        let mut readings = Consumer::subscribe(&READING).unwrap();
        let mut acks = Consumer::subscribe(&ACK).unwrap();
        host.attach(&ROUTES);
        // Subscribed before the firmware boots, so no QoS 1 reading can be missed.
        let ready = Instant::now();
        while !(host.stats().connected && host.stats().subscribe_acks >= 1) {
            assert!(ready.elapsed() < WAIT, "host connector: {:?}", host.stats());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Retained: the firmware gets it whenever its subscription is made.
        poll_fn(|cx| host.poll_ready(cx)).await;
        host.publish("host/setpoint?qos=1&retain=true", &SETPOINT.to_le_bytes())
            .expect("queued");

        let mut qemu = Qemu::boot_serial_to(&elf, broker_addr)?;
        let booted = qemu.booted_at();
        let mut first = None;
        for seq in 0..READINGS {
            let reading = match timeout(WAIT, readings.recv()).await {
                Ok(reading) => reading.expect("no lag"),
                Err(_) => panic!(
                    "reading {seq} did not arrive; host {:?}; QEMU said:\n{}",
                    host.stats(),
                    qemu.output()
                ),
            };
            first.get_or_insert_with(|| booted.elapsed());
            assert_eq!(reading, (seq, sample(seq)), "reading {seq}");
        }
        let all = booted.elapsed();
        let ack = timeout(WAIT, acks.recv())
            .await
            .expect("the firmware confirms the setpoint")
            .expect("no lag");
        assert_eq!(ack, 2 * SETPOINT + 1);
        let status = tokio::task::block_in_place(|| qemu.wait_exit(WAIT))?;
        assert_eq!(
            status,
            0,
            "mqtt-link exit status; QEMU said:\n{}",
            qemu.output()
        );

        let link = host.link_stats("sensor/reading").expect("a reading link");
        assert_eq!(
            (link.received, link.decode_errors),
            (u64::from(READINGS), 0)
        );
        let first = first.expect("at least one reading");
        let span = all - first;
        println!(
            "MQTT from QEMU UART0 through mosquitto: first reading {first:?} after boot; \
             {READINGS} readings (QoS 1, one every 2 ms) in {span:?} after it \
             ({:.0} readings/s); setpoint confirmed",
            f64::from(READINGS - 1) / span.as_secs_f64()
        );
        Ok(())
    })
}
