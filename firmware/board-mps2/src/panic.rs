//! Panics that say what happened: [`report_panic`] prints `panic: <message>` on UART0 and
//! ends QEMU with status 101 (the status of a panicking Rust test), instead of halting
//! silently until a harness times out.
//!
//! A binary has exactly one panic handler, so the firmware declares it (in place of a
//! `panic-halt` dependency):
//!
//! ```ignore
//! #[panic_handler]
//! fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
//!     board_mps2::report_panic(info)
//! }
//! ```

use core::fmt::{self, Write};
use core::panic::PanicInfo;

use crate::uart;

/// The exit status of a panicked firmware, the same as a panicking Rust test process.
pub const PANIC_STATUS: u8 = 101;

/// UART0 written by polling, usable from any state the panic left the firmware in.
struct PanicConsole;

impl Write for PanicConsole {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        s.bytes().for_each(uart::write_byte_blocking);
        Ok(())
    }
}

/// Print `panic: <info>` on UART0 (by polling, interrupts masked) and exit with
/// [`PANIC_STATUS`]. Call it from the firmware's `#[panic_handler]`.
pub fn report_panic(info: &PanicInfo<'_>) -> ! {
    cortex_m::interrupt::disable();
    uart::enable_tx();
    // Start on a fresh line: the panic may have cut one short. The write cannot fail.
    let _ = write!(PanicConsole, "\npanic: {info}\n");
    crate::exit(PANIC_STATUS)
}
