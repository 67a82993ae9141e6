//! Records linked between this firmware and a host over UART0, in COBS frames through
//! aimdb-connectors' `SerialConnector`, with no broker in between.
//!
//! - `sensor/reading` (out): a source task produces [`READINGS`] readings into a static
//!   ring, one every [`PERIOD`]; a link task serializes each (seq and centi-degrees, 8 bytes
//!   little-endian) and publishes it.
//! - `host/command` (in): the host sends `u32` commands; the inbound route produces them
//!   into a ring, and an echo task answers each on `sensor/ack` (out) with `2 * command + 1`,
//!   so the host can check the value was processed, not just reflected.
//! - Command [`STOP`] makes the firmware publish its serial counters on `sensor/stats`
//!   (frames received, malformed, oversize, unrouted, dropped) and end QEMU with status 0,
//!   or 1 if any counter shows a fault.
//!
//! This is the shape a generated node takes, written out by hand.
#![no_std]
#![no_main]

use core::future::poll_fn;

use aimdb_connectors::serial::SerialConnector;
use aimdb_core::connector::{CodecError, Connector, InboundRoute};
use aimdb_core::mutex::CriticalSectionRawMutex;
use aimdb_core::{Consumer, Producer, RecordBuffer, SpmcRing};
use board_mps2::{Uart0Rx, Uart0Tx};
use embassy_time::{Duration, Ticker, Timer};
use panic_halt as _;

/// How many readings the source produces.
const READINGS: u32 = 200;

/// Time between two readings.
const PERIOD: Duration = Duration::from_millis(2);

/// The command that ends the run.
const STOP: u32 = u32::MAX;

/// 8 frames queued; frames up to 32 bytes (payloads up to 26); the default 8 links.
static SERIAL: SerialConnector<CriticalSectionRawMutex, 8, 32> = SerialConnector::new();

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
type WordRing = SpmcRing<CriticalSectionRawMutex, u32, 8, 1>;
static READING: ReadingRing = SpmcRing::new();
static COMMAND: WordRing = SpmcRing::new();
static ACK: WordRing = SpmcRing::new();

fn decode_command(payload: &[u8]) -> Result<(), CodecError> {
    let bytes: [u8; 4] = payload.try_into().map_err(|_| CodecError::Malformed)?;
    COMMAND.produce(u32::from_le_bytes(bytes));
    Ok(())
}

static ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: "host/command",
    deliver: decode_command,
}];

#[embassy_executor::task]
async fn serial_link(mut rx: Uart0Rx, mut tx: Uart0Tx) {
    loop {
        // Only a UART overrun ends a run; the next one resynchronises on a delimiter.
        let _ = SERIAL.run(&mut rx, &mut tx).await;
    }
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

/// Publish every value of a record, as the generated link task does.
async fn link_out<T: Copy, const N: usize>(
    mut consumer: Consumer<'static, T, SpmcRing<CriticalSectionRawMutex, T, N, 1>>,
    address: &'static str,
    encode: fn(&T, &mut [u8; 8]) -> usize,
) {
    let mut payload = [0u8; 8];
    loop {
        let value = match consumer.recv().await {
            Ok(value) => value,
            Err(_) => continue, // lagged: the next is the oldest held
        };
        let len = encode(&value, &mut payload);
        poll_fn(|cx| SERIAL.poll_ready(cx)).await;
        let _ = SERIAL.publish(address, &payload[..len]);
    }
}

#[embassy_executor::task]
async fn link_readings(consumer: Consumer<'static, Reading, ReadingRing>) {
    link_out(consumer, "sensor/reading", |reading, out| {
        out[..4].copy_from_slice(&reading.seq.to_le_bytes());
        out[4..].copy_from_slice(&reading.centi_celsius.to_le_bytes());
        8
    })
    .await
}

#[embassy_executor::task]
async fn link_acks(consumer: Consumer<'static, u32, WordRing>) {
    link_out(consumer, "sensor/ack", |ack, out| {
        out[..4].copy_from_slice(&ack.to_le_bytes());
        4
    })
    .await
}

#[embassy_executor::task]
async fn echo(
    mut commands: Consumer<'static, u32, WordRing>,
    acks: Producer<'static, u32, WordRing>,
) {
    loop {
        match commands.recv().await {
            Ok(STOP) => break,
            Ok(command) => acks.produce(command.wrapping_mul(2).wrapping_add(1)).await,
            Err(_) => board_mps2::exit(2),
        }
    }
    let stats = SERIAL.stats();
    let words = [
        stats.frames_received,
        stats.malformed,
        stats.oversize,
        stats.unrouted,
        stats.dropped,
    ];
    let mut payload = [0u8; 20];
    for (chunk, word) in payload.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    poll_fn(|cx| SERIAL.poll_ready(cx)).await;
    let _ = SERIAL.publish("sensor/stats", &payload);
    // Let the transmit loop drain the queue and the UART before QEMU ends.
    for _ in 0..1_000 {
        if SERIAL.stats().queued == 0 {
            break;
        }
        Timer::after(Duration::from_millis(1)).await;
    }
    Timer::after(Duration::from_millis(20)).await;
    let faults = stats.malformed + stats.oversize + stats.unrouted + stats.dropped;
    let faults = faults + stats.invalid_links;
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
    SERIAL.attach(&ROUTES);
    let (Ok(readings), Ok(commands), Ok(acks)) = (
        Consumer::subscribe(&READING),
        Consumer::subscribe(&COMMAND),
        Consumer::subscribe(&ACK),
    ) else {
        board_mps2::exit(12)
    };
    let (rx, tx) = board.uart.split();
    executor.run(|spawner| {
        let tokens = [
            serial_link(rx, tx).map(|t| spawner.spawn(t)),
            link_readings(readings).map(|t| spawner.spawn(t)),
            link_acks(acks).map(|t| spawner.spawn(t)),
            echo(commands, Producer::new(&ACK)).map(|t| spawner.spawn(t)),
            source(Producer::new(&READING)).map(|t| spawner.spawn(t)),
        ];
        if tokens.iter().any(Result::is_err) {
            board_mps2::exit(13);
        }
    })
}
