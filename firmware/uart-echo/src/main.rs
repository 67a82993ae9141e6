//! UART0 loopback: the test for board-mps2's byte stream, both directions.
//!
//! The host sends a 4-byte little-endian length `L`, then `L` bytes. The firmware echoes
//! every byte back as it arrives. After every [`HOLD_EVERY`] bytes it stops reading until
//! the receive buffer is full and the UART has held reception (the "buffer full: mask the
//! interrupt, leave the byte in the UART, resume when the reader makes room" path), then
//! goes on. After the last byte it writes `holds <n>\n` and ends QEMU with status 0.
//!
//! Two lengths are requests for the harness tests instead: `u32::MAX` ends QEMU at once with
//! status [`PROBE_STATUS`] (exit statuses are reported), `u32::MAX - 1` panics (panics are
//! reported on UART0 with status 101).
#![no_std]
#![no_main]

use board_mps2::{Uart0Rx, Uart0Tx};
use embassy_time::{Duration, Instant, Timer};
use embedded_io_async::{Read, Write};

/// Bytes between two deliberate holds.
const HOLD_EVERY: usize = 4 * 1024;

/// How long to wait for the host to fill the receive buffer before giving up on a hold.
const HOLD_TIMEOUT: Duration = Duration::from_secs(5);

/// The exit status asked for by a length of `u32::MAX`.
const PROBE_STATUS: u8 = 42;

/// The length that asks for a panic.
const PANIC_REQUEST: u32 = u32::MAX - 1;

/// Stop reading until reception is held once more (or the host stops sending).
async fn wait_for_hold(rx: &Uart0Rx) {
    let holds = rx.holds();
    let give_up = Instant::now() + HOLD_TIMEOUT;
    while rx.holds() == holds && Instant::now() < give_up {
        Timer::after(Duration::from_millis(1)).await;
    }
}

#[embassy_executor::task]
async fn echo(mut rx: Uart0Rx, mut tx: Uart0Tx) {
    let mut header = [0u8; 4];
    if rx.read_exact(&mut header).await.is_err() {
        board_mps2::exit(2);
    }
    let total = match u32::from_le_bytes(header) {
        u32::MAX => board_mps2::exit(PROBE_STATUS),
        PANIC_REQUEST => panic!("asked to panic by the host"),
        len => len as usize,
    };
    let mut echoed = 0;
    let mut next_hold = HOLD_EVERY;
    let mut chunk = [0u8; 64];
    while echoed < total {
        let want = chunk.len().min(total - echoed);
        let n = match rx.read(&mut chunk[..want]).await {
            Ok(n) => n,
            Err(_) => board_mps2::exit(3),
        };
        if tx.write_all(&chunk[..n]).await.is_err() {
            board_mps2::exit(4);
        }
        echoed += n;
        if echoed >= next_hold && echoed < total {
            next_hold += HOLD_EVERY;
            wait_for_hold(&rx).await;
        }
    }
    let mut trailer = *b"holds 0000000000\n";
    let mut holds = rx.holds();
    for digit in trailer[6..16].iter_mut().rev() {
        *digit = b'0' + (holds % 10) as u8;
        holds /= 10;
    }
    if tx.write_all(&trailer).await.is_err() || tx.flush().await.is_err() {
        board_mps2::exit(4);
    }
    board_mps2::exit(0);
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let Some(board) = board_mps2::init() else {
        board_mps2::exit(10)
    };
    let Some(executor) = board_mps2::Executor::take() else {
        board_mps2::exit(11)
    };
    let (rx, tx) = board.uart.split();
    executor.run(|spawner| match echo(rx, tx) {
        Ok(token) => spawner.spawn(token),
        Err(_) => board_mps2::exit(12),
    })
}

/// Print the panic on UART0 and end QEMU with status 101.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    board_mps2::report_panic(info)
}
