//! The smallest aimdb firmware: one record, one source, one tap, on a real timer.
//!
//! A source task produces [`READINGS`] temperature readings, one every [`PERIOD`], into a
//! static `SpmcRing`; a tap task subscribed to the ring writes each one to UART0 as
//! `reading <seq> <centi-celsius>`. After the last one the tap prints how long production
//! took by the firmware's clock (`elapsed_us <n>`), then `done <count>`, and ends QEMU
//! through semihosting with status 0, or 1 if it missed or reordered anything.
//!
//! This is the shape a generated sensor node takes, written out by hand: the static buffer,
//! the handles and the two tasks are what the topology compiler emits; `init`, the source
//! function's body and the UART are the hand-written part.
#![no_std]
#![no_main]

use aimdb_core::mutex::CriticalSectionRawMutex;
use aimdb_core::{Consumer, Producer, RecvError, SpmcRing};
use board_mps2::{Line, Uart0};
use embassy_time::{Duration, Instant, Ticker};
use embedded_io_async::Write;

/// How many readings the source produces before the firmware reports and exits.
const READINGS: u32 = 100;

/// Time between two readings.
const PERIOD: Duration = Duration::from_millis(5);

/// One sample of the sensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Temperature {
    /// Position in the stream, from 0.
    seq: u32,
    /// Hundredths of a degree Celsius.
    centi_celsius: i32,
}

/// The simulated sensor: a deterministic saw-tooth the host test recomputes.
fn sample(seq: u32) -> i32 {
    2_000 + ((seq * 37) % 500) as i32 - 250
}

/// The record's buffer: 16 readings of history, one reader (the tap).
type ReadingRing = SpmcRing<CriticalSectionRawMutex, Temperature, 16, 1>;
static READING: ReadingRing = SpmcRing::new();

#[embassy_executor::task]
async fn source(producer: Producer<'static, Temperature, ReadingRing>) {
    let mut ticker = Ticker::every(PERIOD);
    for seq in 0..READINGS {
        ticker.next().await;
        producer
            .produce(Temperature {
                seq,
                centi_celsius: sample(seq),
            })
            .await;
    }
}

#[embassy_executor::task]
async fn tap(mut readings: Consumer<'static, Temperature, ReadingRing>, mut uart: Uart0) {
    let mut line = Line::new();
    let mut expected = 0u32;
    let mut faults = 0u32;
    let mut first_at = None;
    let mut last_at = Instant::now();
    while expected < READINGS {
        let reading = match readings.recv().await {
            Ok(reading) => reading,
            Err(RecvError::Lagged(missed)) => {
                faults += 1;
                send(&mut uart, line.format(format_args!("lagged {missed}\n"))).await;
                continue;
            }
            Err(_) => continue,
        };
        last_at = Instant::now();
        first_at.get_or_insert(last_at);
        if reading.seq != expected {
            faults += 1;
        }
        expected = reading.seq + 1;
        let text = format_args!("reading {} {}\n", reading.seq, reading.centi_celsius);
        send(&mut uart, line.format(text)).await;
    }
    let elapsed = last_at - first_at.unwrap_or(last_at);
    let report = format_args!("elapsed_us {}\ndone {}\n", elapsed.as_micros(), expected);
    send(&mut uart, line.format(report)).await;
    board_mps2::exit(if faults == 0 { 0 } else { 1 });
}

/// Write a whole line; UART0 cannot fail on write, and if it ever did there is no one to tell.
async fn send(uart: &mut Uart0, bytes: &[u8]) {
    if uart.write_all(bytes).await.is_err() || uart.flush().await.is_err() {
        board_mps2::exit(3);
    }
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
    let Ok(readings) = Consumer::subscribe(&READING) else {
        board_mps2::exit(12)
    };
    executor.run(|spawner| {
        match tap(readings, board.uart) {
            Ok(token) => spawner.spawn(token),
            Err(_) => board_mps2::exit(13),
        }
        match source(Producer::new(&READING)) {
            Ok(token) => spawner.spawn(token),
            Err(_) => board_mps2::exit(14),
        }
    })
}

/// Print the panic on UART0 and end QEMU with status 101.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    board_mps2::report_panic(info)
}
