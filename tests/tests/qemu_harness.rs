//! The QEMU harness itself: exit statuses are reported, timeouts are prompt and say what
//! was awaited, bad firmware names are clear errors, and no QEMU outlives its handle.
//!
//! Uses `firmware/uart-echo`, which waits for a length header before doing anything.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use aimdb_tests::qemu::{Firmware, Qemu, QemuError};

fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn the_semihosting_exit_status_is_reported() -> Result<(), QemuError> {
    let mut serial = Qemu::boot(&Firmware::build("uart-echo")?)?;
    // A length of u32::MAX asks uart-echo to exit with status 42.
    serial.write_all(&u32::MAX.to_le_bytes())?;
    assert_eq!(serial.wait_exit(Duration::from_secs(10))?, 42);
    Ok(())
}

#[test]
fn a_panic_is_printed_on_uart0_and_exits_101() -> Result<(), QemuError> {
    let mut serial = Qemu::boot(&Firmware::build("uart-echo")?)?;
    // A length of u32::MAX - 1 asks uart-echo to panic.
    serial.write_all(&(u32::MAX - 1).to_le_bytes())?;
    let mut line = serial.read_line(Duration::from_secs(10))?;
    while line.is_empty() {
        line = serial.read_line(Duration::from_secs(2))?;
    }
    assert!(
        line.starts_with("panic: panicked at uart-echo/src/main.rs:"),
        "{line:?}"
    );
    assert_eq!(
        serial.read_line(Duration::from_secs(2))?,
        "asked to panic by the host"
    );
    assert_eq!(serial.wait_exit(Duration::from_secs(5))?, 101);
    Ok(())
}

#[test]
fn dropping_the_handle_kills_qemu() -> Result<(), QemuError> {
    let mut serial = Qemu::boot(&Firmware::build("uart-echo")?)?;
    let pid = serial.qemu().pid();
    assert!(
        process_exists(pid),
        "QEMU {pid} runs while the handle lives"
    );
    drop(serial);
    // `Drop` kills and reaps it, so it is gone at once, not even a zombie.
    assert!(!process_exists(pid), "QEMU {pid} outlived its handle");
    Ok(())
}

#[test]
fn read_line_times_out_promptly_and_keeps_qemu_running() -> Result<(), QemuError> {
    let mut serial = Qemu::boot(&Firmware::build("uart-echo")?)?;
    let started = Instant::now();
    match serial.read_line(Duration::from_millis(300)) {
        Err(QemuError::Timeout { waiting_for, .. }) => {
            assert_eq!(waiting_for, "a line on UART0")
        }
        other => panic!("uart-echo prints nothing unprompted, got {other:?}"),
    }
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(2),
        "waited {waited:?} for a 300 ms timeout"
    );
    // Still alive: a timeout is the test's business, not a reason to stop the firmware.
    let pid = serial.qemu().pid();
    assert!(process_exists(pid));
    Ok(())
}

#[test]
fn wait_exit_kills_a_firmware_that_does_not_finish() -> Result<(), QemuError> {
    let mut serial = Qemu::boot(&Firmware::build("uart-echo")?)?;
    let pid = serial.qemu().pid();
    match serial.wait_exit(Duration::from_millis(200)) {
        Err(QemuError::Timeout { waiting_for, .. }) => assert_eq!(waiting_for, "QEMU to exit"),
        other => panic!("uart-echo waits for input forever, got {other:?}"),
    }
    // Give /proc a moment on a loaded machine; the kill itself is synchronous.
    for _ in 0..50 {
        if !process_exists(pid) {
            return Ok(());
        }
        thread::sleep(Duration::from_millis(10));
    }
    panic!("QEMU {pid} still runs after wait_exit timed out");
}

#[test]
fn an_unknown_firmware_is_a_clear_error() {
    match Firmware::build("no-such-firmware") {
        Err(error @ QemuError::Build(_)) => {
            let message = error.to_string();
            assert!(
                message.contains("there is no firmware crate `no-such-firmware`"),
                "{message}"
            );
        }
        other => panic!("expected a build error, got {other:?}"),
    }
}
