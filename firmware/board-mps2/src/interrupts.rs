//! The device interrupt table of mps2-an386 (the part of the vector table after the 16
//! Cortex-M exceptions) and the interrupt numbers the board uses.
//!
//! QEMU's AN385/AN386 model wires 32 external interrupts. UART0's receive interrupt is
//! IRQ 0, its transmit interrupt IRQ 1 and timer 0's IRQ 8; every other line is bound to
//! cortex-m-rt's `DefaultHandler`. This is what a peripheral access crate would normally provide.

use cortex_m::interrupt::InterruptNumber;

/// External interrupts of mps2-an386 that board-mps2 uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Interrupt {
    /// CMSDK UART0: a byte arrived (STATE.RXFULL rose while CTRL.RXINTEN was set).
    Uart0Rx = 0,
    /// CMSDK UART0: the transmit buffer emptied while CTRL.TXINTEN was set.
    Uart0Tx = 1,
    /// CMSDK APB timer 0 reached zero and reloaded (the time base wrapped).
    Timer0 = 8,
}

// SAFETY: the discriminants are valid IRQ numbers of this device (below its 32 lines).
unsafe impl InterruptNumber for Interrupt {
    fn number(self) -> u16 {
        self as u16
    }
}

/// How many external interrupt lines QEMU's mps2-an386 model has.
const IRQ_COUNT: usize = 32;

/// One entry of the vector table. Every line of this device has a handler, so no entry is
/// a reserved (zero) slot and a plain function pointer suffices.
pub type Vector = unsafe extern "C" fn();

unsafe extern "C" {
    // Defined in uart.rs; device.x aliases them to DefaultHandler if they were ever removed.
    fn UART0RX();
    fn UART0TX();
    // Defined in time.rs.
    fn TIMER0();
    fn DefaultHandler();
}

/// The device-specific part of the vector table, placed by cortex-m-rt's `link.x` right
/// after the exception vectors (enabled by cortex-m-rt's `device` feature).
#[unsafe(link_section = ".vector_table.interrupts")]
#[unsafe(no_mangle)]
pub static __INTERRUPTS: [Vector; IRQ_COUNT] = {
    let mut table: [Vector; IRQ_COUNT] = [DefaultHandler; IRQ_COUNT];
    table[Interrupt::Uart0Rx as usize] = UART0RX;
    table[Interrupt::Uart0Tx as usize] = UART0TX;
    table[Interrupt::Timer0 as usize] = TIMER0;
    table
};
