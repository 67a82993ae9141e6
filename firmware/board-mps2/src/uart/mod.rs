//! CMSDK APB UART0 at `0x4000_4000`: an interrupt-driven byte stream.
//!
//! [`Uart0`] implements `embedded_io_async::{Read, Write}` (what the embassy MQTT and serial
//! connectors run over) and the blocking `embedded_io` traits. It can be
//! [split](Uart0::split) into a receive and a transmit half for a reader task and a writer
//! task.
//!
//! Receiving: the RX interrupt moves each byte from the one-byte hardware buffer into a
//! 512-byte software ring and wakes the reader. When the ring is full the interrupt is
//! masked and the byte stays in the hardware buffer; QEMU then stops delivering (it only
//! hands a byte over when RXFULL is clear), so the host's TCP stream is back-pressured and
//! nothing is lost. A real UART would overrun instead; that is detected and reported as
//! [`UartError::Overrun`] on the next read.
//!
//! Transmitting: bytes go straight into the one-byte TX buffer while it is free; when it is
//! full the writer enables the TX interrupt (raised when the buffer empties) and sleeps.

use core::cell::RefCell;
use core::ptr;
use core::task::{Context, Poll};

use cortex_m::peripheral::NVIC;
use critical_section::{CriticalSection, Mutex};
use embassy_sync::waitqueue::AtomicWaker;

use crate::interrupts::Interrupt;

mod io;

pub use io::{Uart0, Uart0Rx, Uart0Tx};

const BASE: usize = 0x4000_4000;
const DATA: *mut u32 = BASE as *mut u32;
pub(crate) const STATE: *mut u32 = (BASE + 0x04) as *mut u32;
const CTRL: *mut u32 = (BASE + 0x08) as *mut u32;
/// Reads as INTSTATUS; writing 1s clears those bits (INTCLEAR).
const INTSTATUS: *mut u32 = (BASE + 0x0C) as *mut u32;
const BAUDDIV: *mut u32 = (BASE + 0x10) as *mut u32;

pub(crate) const STATE_TX_FULL: u32 = 1 << 0;
const STATE_RX_FULL: u32 = 1 << 1;
const STATE_RX_OVERRUN: u32 = 1 << 3;
const CTRL_TX_EN: u32 = 1 << 0;
const CTRL_RX_EN: u32 = 1 << 1;
const CTRL_TX_INTEN: u32 = 1 << 2;
const CTRL_RX_INTEN: u32 = 1 << 3;
const INT_TX: u32 = 1 << 0;
const INT_RX: u32 = 1 << 1;

/// The smallest divider the CMSDK UART accepts (25 MHz / 16 ≈ 1.56 Mbaud). QEMU ignores
/// the baud rate for a socket backend but drops TX bytes while BAUDDIV is below 16.
const BAUD_DIVIDER: u32 = 16;

/// Bytes the receive ring holds between the interrupt and the reader.
pub const RX_BUFFER_LEN: usize = 512;

pub(crate) fn read(reg: *mut u32) -> u32 {
    // SAFETY: `reg` is one of the UART0 registers above: aligned, always mapped on this board.
    unsafe { ptr::read_volatile(reg) }
}

fn write(reg: *mut u32, value: u32) {
    // SAFETY: as in `read`; writes to these registers have no memory-safety side effects.
    unsafe { ptr::write_volatile(reg, value) }
}

/// Read-modify-write of CTRL. Callers hold a critical section so the two interrupt handlers
/// and the tasks never interleave their updates.
fn modify_ctrl(_cs: CriticalSection<'_>, set: u32, clear: u32) {
    write(CTRL, (read(CTRL) & !clear) | set);
}

/// Why a UART read failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UartError {
    /// A byte arrived while the hardware buffer was still full, so at least one byte of the
    /// stream was lost. Reported once; reading continues with the bytes after the gap.
    Overrun,
}

impl core::fmt::Display for UartError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            UartError::Overrun => f.write_str("UART receive overrun: bytes were lost"),
        }
    }
}

impl core::error::Error for UartError {}

impl embedded_io::Error for UartError {
    fn kind(&self) -> embedded_io::ErrorKind {
        embedded_io::ErrorKind::Other
    }
}

/// Bytes received by the interrupt and not yet read.
pub(crate) struct RxRing {
    bytes: [u8; RX_BUFFER_LEN],
    /// Index of the oldest byte.
    head: usize,
    pub(crate) len: usize,
    /// The RX interrupt is masked because the ring was full (see the module docs).
    paused: bool,
    /// A hardware overrun was seen and not yet reported.
    pub(crate) overrun: bool,
    /// How many times the ring filled up and reception was held (see the module docs).
    pub(crate) holds: u32,
}

impl RxRing {
    fn push(&mut self, byte: u8) {
        let tail = (self.head + self.len) % RX_BUFFER_LEN;
        self.bytes[tail] = byte;
        self.len += 1;
    }

    fn pop_into(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.len);
        for slot in &mut out[..n] {
            *slot = self.bytes[self.head];
            self.head = (self.head + 1) % RX_BUFFER_LEN;
        }
        self.len -= n;
        n
    }
}

pub(crate) static RX: Mutex<RefCell<RxRing>> = Mutex::new(RefCell::new(RxRing {
    bytes: [0; RX_BUFFER_LEN],
    head: 0,
    len: 0,
    paused: false,
    overrun: false,
    holds: 0,
}));
static RX_WAKER: AtomicWaker = AtomicWaker::new();
static TX_WAKER: AtomicWaker = AtomicWaker::new();

/// Enable UART0 (TX, RX and the RX interrupt) and unmask its interrupts. Called once by
/// [`crate::init`].
pub(crate) fn start() {
    critical_section::with(|cs| {
        write(BAUDDIV, BAUD_DIVIDER);
        write(INTSTATUS, INT_TX | INT_RX);
        modify_ctrl(cs, CTRL_TX_EN | CTRL_RX_EN | CTRL_RX_INTEN, 0);
    });
    // SAFETY: the handlers below only touch state behind critical sections and wakers, so
    // unmasking cannot break a critical section elsewhere.
    unsafe {
        NVIC::unmask(Interrupt::Uart0Rx);
        NVIC::unmask(Interrupt::Uart0Tx);
    }
}

/// Enable the transmitter (idempotent), for a panic that came before `start`.
pub(crate) fn enable_tx() {
    write(BAUDDIV, BAUD_DIVIDER);
    write(CTRL, read(CTRL) | CTRL_TX_EN);
}

/// Send one byte by polling, with no waker and no critical section (for the panic handler).
pub(crate) fn write_byte_blocking(byte: u8) {
    while read(STATE) & STATE_TX_FULL != 0 {
        core::hint::spin_loop();
    }
    write(DATA, u32::from(byte));
}

/// UART0 receive interrupt: move bytes into the ring, wake the reader.
#[unsafe(no_mangle)]
extern "C" fn UART0RX() {
    critical_section::with(|cs| {
        // Clear first: a byte arriving after the loop raises the interrupt again.
        write(INTSTATUS, INT_RX);
        let mut rx = RX.borrow_ref_mut(cs);
        if read(STATE) & STATE_RX_OVERRUN != 0 {
            write(STATE, STATE_RX_OVERRUN);
            rx.overrun = true;
        }
        while read(STATE) & STATE_RX_FULL != 0 {
            if rx.len == RX_BUFFER_LEN {
                // Leave the byte in the hardware buffer; the reader resumes us.
                modify_ctrl(cs, 0, CTRL_RX_INTEN);
                rx.paused = true;
                rx.holds = rx.holds.wrapping_add(1);
                break;
            }
            rx.push(read(DATA) as u8);
        }
    });
    RX_WAKER.wake();
}

/// UART0 transmit interrupt: the TX buffer emptied; wake the writer.
#[unsafe(no_mangle)]
extern "C" fn UART0TX() {
    critical_section::with(|cs| {
        write(INTSTATUS, INT_TX);
        modify_ctrl(cs, 0, CTRL_TX_INTEN);
    });
    TX_WAKER.wake();
}

/// Take buffered bytes, or register `cx` to be woken when some arrive.
pub(crate) fn poll_read(
    cx: Option<&mut Context<'_>>,
    out: &mut [u8],
) -> Poll<Result<usize, UartError>> {
    if out.is_empty() {
        return Poll::Ready(Ok(0));
    }
    critical_section::with(|cs| {
        let mut rx = RX.borrow_ref_mut(cs);
        if rx.overrun {
            rx.overrun = false;
            return Poll::Ready(Err(UartError::Overrun));
        }
        if rx.len == 0 {
            if let Some(cx) = cx {
                RX_WAKER.register(cx.waker());
            }
            return Poll::Pending;
        }
        let n = rx.pop_into(out);
        if rx.paused {
            // There is room again: unmask and run the handler for the byte left waiting.
            rx.paused = false;
            modify_ctrl(cs, CTRL_RX_INTEN, 0);
            NVIC::pend(Interrupt::Uart0Rx);
        }
        Poll::Ready(Ok(n))
    })
}

/// Put as many bytes as the hardware takes now, or register `cx` for the TX interrupt.
pub(crate) fn poll_write(cx: Option<&mut Context<'_>>, bytes: &[u8]) -> Poll<usize> {
    if bytes.is_empty() {
        return Poll::Ready(0);
    }
    critical_section::with(|cs| {
        let mut written = 0;
        loop {
            while written < bytes.len() && read(STATE) & STATE_TX_FULL == 0 {
                write(DATA, u32::from(bytes[written]));
                written += 1;
            }
            if written > 0 {
                return Poll::Ready(written);
            }
            if let Some(cx) = cx.as_deref() {
                TX_WAKER.register(cx.waker());
            }
            modify_ctrl(cs, CTRL_TX_INTEN, 0);
            // The buffer may have emptied before the interrupt was enabled, which raises
            // nothing: look again.
            if read(STATE) & STATE_TX_FULL == 0 {
                modify_ctrl(cs, 0, CTRL_TX_INTEN);
                continue;
            }
            return Poll::Pending;
        }
    })
}

/// Ready once the transmit buffer is empty.
pub(crate) fn poll_flush(cx: Option<&mut Context<'_>>) -> Poll<()> {
    critical_section::with(|cs| {
        if read(STATE) & STATE_TX_FULL == 0 {
            return Poll::Ready(());
        }
        if let Some(cx) = cx {
            TX_WAKER.register(cx.waker());
        }
        modify_ctrl(cs, CTRL_TX_INTEN, 0);
        if read(STATE) & STATE_TX_FULL == 0 {
            modify_ctrl(cs, 0, CTRL_TX_INTEN);
            return Poll::Ready(());
        }
        Poll::Pending
    })
}
