//! board-mps2's UART0 as a byte stream, both directions: `firmware/uart-echo` echoes 32 KiB
//! of every byte value back. Every 4 KiB it stops reading until its receive buffer is full
//! and the UART holds reception (RX interrupt masked, byte left in the UART, resumed when
//! the reader makes room), so that back-pressure path runs at least 7 times. Every byte must
//! come back, in order, and the firmware must exit 0.
//!
//! Needs `qemu-system-arm` and the `thumbv7em-none-eabihf` target.

use std::io::{ErrorKind, Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use aimdb_tests::qemu::{Firmware, Qemu, QemuError};

/// How many bytes go through the loop.
const LEN: usize = 32 * 1024;

/// `HOLD_EVERY` in firmware/uart-echo/src/main.rs.
const HOLD_EVERY: usize = 4 * 1024;

/// Bytes covering every value (including `\0`, `\n` and `0xFF`) in no simple pattern.
fn payload() -> Vec<u8> {
    let mut state: u32 = 0x2545_F491;
    (0..LEN)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn uart0_echoes_every_byte_in_order_under_back_pressure() -> Result<(), QemuError> {
    let elf = Firmware::build("uart-echo")?;
    let mut serial = Qemu::boot(&elf)?;
    let sent = payload();
    let io = |e: std::io::Error| QemuError::Io(format!("UART0 stream: {e}"));

    let mut writer = serial.stream().try_clone().map_err(io)?;
    let to_send = sent.clone();
    let started = Instant::now();
    let sender = thread::spawn(move || -> std::io::Result<()> {
        writer.write_all(&(LEN as u32).to_le_bytes())?;
        writer.write_all(&to_send)
    });

    // The echo, then the trailer line `holds <n>`.
    let stream = serial.stream();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .map_err(io)?;
    let deadline = started + Duration::from_secs(60);
    let mut received = Vec::with_capacity(LEN + 32);
    let mut chunk = [0u8; 16 * 1024];
    while received.len() <= LEN || received.last() != Some(&b'\n') {
        assert!(
            Instant::now() < deadline,
            "only {} of {LEN} bytes came back within 60 s",
            received.len()
        );
        match stream.read(&mut chunk) {
            Ok(0) => panic!(
                "UART0 closed after {} of {LEN} bytes; QEMU said:\n{}",
                received.len(),
                serial.qemu().output()
            ),
            Ok(n) => received.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => return Err(io(e)),
        }
    }
    let elapsed = started.elapsed();
    sender
        .join()
        .expect("the sender thread does not panic")
        .map_err(io)?;

    let (echo, trailer) = received.split_at(LEN);
    if let Some(at) = sent.iter().zip(echo).position(|(a, b)| a != b) {
        panic!(
            "byte {at} came back as {:#04x}, sent {:#04x}",
            echo[at], sent[at]
        );
    }
    let trailer = String::from_utf8_lossy(trailer);
    let holds: u32 = trailer
        .trim_end()
        .strip_prefix("holds ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("expected `holds <n>` after the echo, got {trailer:?}"));
    let requested = (LEN / HOLD_EVERY - 1) as u32;
    assert!(
        holds >= requested,
        "reception was held {holds} times, the firmware waited for {requested}"
    );
    let status = serial.wait_exit(Duration::from_secs(5))?;
    assert_eq!(status, 0, "uart-echo exit status");
    println!(
        "UART0 loopback: {LEN} bytes each way in {elapsed:?} ({:.1} KB/s), reception held {holds} times",
        LEN as f64 / elapsed.as_secs_f64() / 1000.0,
    );
    Ok(())
}
