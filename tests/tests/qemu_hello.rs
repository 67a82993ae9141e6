//! Boots `firmware/hello` in QEMU and checks what its tap prints on UART0: every reading
//! the source produced, in order, with exactly the produced values, paced by the firmware's
//! SysTick timer, then a clean semihosting exit.
//!
//! Needs `qemu-system-arm` and the `thumbv7em-none-eabihf` target.

use std::time::{Duration, Instant};

use aimdb_tests::qemu::{Firmware, Qemu, QemuError};

/// `READINGS` in firmware/hello/src/main.rs.
const READINGS: u32 = 100;
/// `PERIOD` in firmware/hello/src/main.rs.
const PERIOD: Duration = Duration::from_millis(5);

/// The firmware's simulated sensor (`sample` in firmware/hello/src/main.rs), recomputed here
/// so the test knows every value independently.
fn sample(seq: u32) -> i32 {
    2_000 + ((seq * 37) % 500) as i32 - 250
}

#[test]
fn hello_reports_every_reading_in_order_on_a_real_timer() -> Result<(), QemuError> {
    let elf = Firmware::build("hello")?;
    let mut serial = Qemu::boot(&elf)?;
    let booted_at = serial.qemu().booted_at();

    // The first line waits for the boot as well as for the first tick.
    let mut arrivals = Vec::new();
    for seq in 0..READINGS {
        let timeout = if seq == 0 { 10 } else { 2 };
        let line = serial.read_line(Duration::from_secs(timeout))?;
        arrivals.push(Instant::now());
        assert_eq!(
            line,
            format!("reading {seq} {}", sample(seq)),
            "reading {seq}: the tap must print every produced value, in order, and nothing else"
        );
    }

    let line = serial.read_line(Duration::from_secs(2))?;
    let firmware_us: u64 = line
        .strip_prefix("elapsed_us ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("expected `elapsed_us <n>`, got {line:?}"));
    assert_eq!(
        serial.read_line(Duration::from_secs(2))?,
        format!("done {READINGS}")
    );
    let status = serial.wait_exit(Duration::from_secs(5))?;
    assert_eq!(
        status,
        0,
        "semihosting exit status; QEMU said:\n{}",
        serial.qemu().output()
    );

    // Timing. The source ticks every PERIOD, so first to last reading is (N-1) periods.
    let nominal = PERIOD * (READINGS - 1);
    let firmware = Duration::from_micros(firmware_us);
    let host = arrivals[arrivals.len() - 1] - arrivals[0];
    println!(
        "{READINGS} readings every {PERIOD:?}: firmware clock {firmware:?}, host clock {host:?} \
         (nominal {nominal:?}); first reading {:?} after QEMU started",
        arrivals[0] - booted_at
    );
    // The source's ticker keeps the period on the firmware's clock: a late first tick (QEMU
    // starved of CPU at boot) is followed by on-time ones, so the span can shrink by that
    // delay or grow by a late last one. A wrong clock constant or timers that fire at once
    // are far outside 20 %.
    assert!(
        firmware >= nominal * 8 / 10 && firmware <= nominal * 12 / 10,
        "firmware measured {firmware:?} for {nominal:?} of ticks"
    );
    // The firmware's clock runs at the host's real-time rate. Both spans cover the same two
    // events, so they differ only by the socket and scheduling jitter of the end points. (A
    // clock made of counted SysTick interrupts failed this on a loaded machine: it lost the
    // periods QEMU could not deliver, 495 ms of firmware time took 0.7-1.1 s.)
    let difference = host.abs_diff(firmware);
    assert!(
        difference <= nominal / 10 + Duration::from_millis(50),
        "firmware clock {firmware:?} vs host clock {host:?} for the same span"
    );
    Ok(())
}
