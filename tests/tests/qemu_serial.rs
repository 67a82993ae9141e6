//! A serial link between firmware in QEMU and the host, with no broker: `firmware/serial-link`
//! runs aimdb-connectors' `SerialConnector` over board-mps2's UART0, and this test runs the
//! same connector on tokio over QEMU's serial TCP stream.
//!
//! Checked: all readings arrive in order with exactly the values the firmware produced;
//! every command sent to the firmware comes back processed (`2 * c + 1`), sent while the
//! readings are still flowing; the firmware's own counters (reported over the link) show no
//! malformed, oversize, unrouted or dropped frame; the firmware exits 0. Prints the
//! command round-trip times.
//!
//! Needs `qemu-system-arm` and the `thumbv7em-none-eabihf` target.

use std::future::poll_fn;
use std::time::{Duration, Instant};

use aimdb_connectors::serial::SerialConnector;
use aimdb_core::connector::{CodecError, Connector, InboundRoute};
use aimdb_core::mutex::StdRawMutex;
use aimdb_core::{Consumer, RecordBuffer, SpmcRing};
use aimdb_tests::qemu::{Firmware, Qemu, QemuError};
use tokio::time::timeout;

/// What `firmware/serial-link` produces (its `READINGS`) and how (its `sample`).
const READINGS: u32 = 200;
fn sample(seq: u32) -> i32 {
    2_000 + ((seq * 37) % 500) as i32 - 250
}

const COMMANDS: u32 = 50;
const STOP: u32 = u32::MAX;
const WAIT: Duration = Duration::from_secs(20);

type Serial = SerialConnector<StdRawMutex, 16, 32>;
static HOST: Serial = Serial::new();

static READING: SpmcRing<StdRawMutex, (u32, i32), 256, 1> = SpmcRing::new();
static ACK: SpmcRing<StdRawMutex, u32, 64, 1> = SpmcRing::new();
static STATS: SpmcRing<StdRawMutex, [u32; 5], 4, 1> = SpmcRing::new();

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

static ROUTES: [InboundRoute; 3] = [
    InboundRoute {
        address: "sensor/reading",
        deliver: |p| words::<2>(p).map(|[seq, c]| READING.produce((seq, c as i32))),
    },
    InboundRoute {
        address: "sensor/ack",
        deliver: |p| words::<1>(p).map(|[ack]| ACK.produce(ack)),
    },
    InboundRoute {
        address: "sensor/stats",
        deliver: |p| words::<5>(p).map(|stats| STATS.produce(stats)),
    },
];

async fn send(command: u32) {
    poll_fn(|cx| HOST.poll_ready(cx)).await;
    HOST.publish("host/command", &command.to_le_bytes())
        .expect("room was awaited");
}

#[test]
fn records_cross_a_qemu_serial_link_both_ways() -> Result<(), QemuError> {
    let elf = Firmware::build("serial-link")?;
    let mut serial = Qemu::boot(&elf)?;
    let io = |e: std::io::Error| QemuError::Io(format!("UART0 stream: {e}"));
    let stream = serial.stream().try_clone().map_err(io)?;
    stream.set_nonblocking(true).map_err(io)?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(io)?;
    let (round_trips, elapsed) = runtime.block_on(async {
        let stream = tokio::net::TcpStream::from_std(stream).map_err(io)?;
        let mut readings = Consumer::subscribe(&READING).unwrap();
        let mut acks = Consumer::subscribe(&ACK).unwrap();
        let mut stats = Consumer::subscribe(&STATS).unwrap();
        HOST.attach(&ROUTES);
        let link = tokio::spawn(HOST.run_tokio(stream));
        let started = Instant::now();

        let receive_readings = async {
            for seq in 0..READINGS {
                let reading = timeout(WAIT, readings.recv())
                    .await
                    .unwrap_or_else(|_| panic!("reading {seq} did not arrive"))
                    .expect("no lag");
                assert_eq!(reading, (seq, sample(seq)), "reading {seq}");
            }
            started.elapsed()
        };
        // Commands one at a time while readings flow: each round trip is timed.
        let round_trip = async {
            let mut times = Vec::new();
            for command in 0..COMMANDS {
                let sent = Instant::now();
                send(command).await;
                let ack = timeout(WAIT, acks.recv())
                    .await
                    .unwrap_or_else(|_| panic!("no ack for command {command}"))
                    .expect("no lag");
                times.push(sent.elapsed());
                assert_eq!(ack, 2 * command + 1);
            }
            times
        };
        let (elapsed, round_trips) = tokio::join!(receive_readings, round_trip);

        send(STOP).await;
        let [received, malformed, oversize, unrouted, dropped] = timeout(WAIT, stats.recv())
            .await
            .expect("the firmware reports its counters")
            .expect("no lag");
        assert_eq!(received, COMMANDS + 1, "frames the firmware received");
        assert_eq!([malformed, oversize, unrouted, dropped], [0; 4]);
        let host = HOST.stats();
        assert_eq!((host.malformed, host.oversize, host.unrouted), (0, 0, 0));
        assert_eq!(host.frames_received, READINGS + COMMANDS + 1);
        link.abort();
        Ok::<_, QemuError>((round_trips, elapsed))
    })?;

    assert_eq!(
        serial.wait_exit(Duration::from_secs(10))?,
        0,
        "serial-link exit status"
    );
    let mut sorted = round_trips.clone();
    sorted.sort();
    println!(
        "serial link over QEMU UART0: {READINGS} readings in {elapsed:?}; {COMMANDS} command \
         round trips host->firmware->host: p50 {:?}, max {:?}",
        sorted[sorted.len() / 2],
        sorted[sorted.len() - 1]
    );
    Ok(())
}
