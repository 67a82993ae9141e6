//! # board-mps2
//!
//! Board support for ARM's MPS2 with the AN386 FPGA image (Cortex-M4F, 25 MHz), as QEMU
//! emulates it (`qemu-system-arm -machine mps2-an386`). It gives an aimdb firmware what it
//! needs and nothing more:
//!
//! - an **embassy-time driver** ([`time`]): 1 µs timestamps from a free-running 32-bit
//!   counter (timer 0), timers fired from SysTick every millisecond;
//! - **UART0** as an interrupt-driven byte stream ([`Uart0`]) implementing
//!   `embedded_io_async::{Read, Write}` and the blocking `embedded_io` traits;
//! - a thread-mode embassy [`Executor`] that sleeps with `WFI` (QEMU spins on `WFE`);
//! - [`exit`] through semihosting, so a test run ends QEMU with a status code;
//! - [`report_panic`], for a `#[panic_handler]` that prints `panic: <message>` on UART0 and
//!   exits QEMU with status 101 (instead of `panic-halt`'s silent hang);
//! - the MQTT [`login`] from the host at run time (a credentials file named on QEMU's
//!   `-append` command line, read through semihosting);
//! - [`Line`], heap-free formatting of UART lines, and [`Handoff`], a static slot that
//!   passes a peripheral to a source or tap function of a generated node;
//! - the device interrupt table and `memory.x` (the crate is its own minimal PAC).
//!
//! ```ignore
//! #[cortex_m_rt::entry]
//! fn main() -> ! {
//!     let board = board_mps2::init().expect("init runs once");
//!     let executor = board_mps2::Executor::take().expect("taken once");
//!     executor.run(|spawner| spawner.spawn(my_task(board.uart).unwrap()))
//! }
//! ```
//!
//! QEMU command line: `qemu-system-arm -machine mps2-an386 -nographic -monitor none
//! -serial tcp:127.0.0.1:PORT,nodelay=on -semihosting-config enable=on,target=native
//! -kernel FIRMWARE.elf`.
#![no_std]
#![forbid(unsafe_op_in_unsafe_fn)]

use core::sync::atomic::{AtomicBool, Ordering};

mod executor;
mod exit;
mod handoff;
pub mod interrupts;
mod line;
pub mod login;
mod panic;
pub mod time;
pub mod uart;

pub use executor::Executor;
pub use exit::exit;
pub use handoff::Handoff;
pub use line::Line;
pub use login::Login;
pub use panic::{PANIC_STATUS, report_panic};
pub use uart::{Uart0, Uart0Rx, Uart0Tx, UartError};

/// The peripherals [`init`] hands out.
#[derive(Debug)]
#[non_exhaustive]
pub struct Board {
    /// UART0, enabled in both directions with its interrupts unmasked.
    pub uart: Uart0,
}

static INITIALIZED: AtomicBool = AtomicBool::new(false);

/// Start the time driver (timer 0 and SysTick) and UART0, and hand out the board's
/// peripherals.
///
/// Returns `None` if called more than once: there is one UART0, so there is one handle.
/// Call it before anything uses `embassy_time` (until then the clock reads 0).
///
/// The board owns SysTick and timer 0 from here on; firmware must not reconfigure SysTick
/// through `cortex_m::Peripherals`.
pub fn init() -> Option<Board> {
    if INITIALIZED.swap(true, Ordering::AcqRel) {
        return None;
    }
    // SAFETY: the flag above makes this the only place SysTick is taken; the other core
    // peripherals are not touched here.
    let syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
    time::start(syst);
    uart::start();
    Some(Board { uart: Uart0::new() })
}
