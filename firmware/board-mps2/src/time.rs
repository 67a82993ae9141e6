//! The embassy-time driver: SysTick fires timers every millisecond; a free-running 32-bit
//! counter keeps the time, at 1 µs resolution.
//!
//! **Time base.** CMSDK APB timer 0 (`0x4000_0000`) counts the 25 MHz peripheral clock
//! down from `u32::MAX` and interrupts when it wraps, every ~172 s; the interrupt extends it
//! to 64 bits in software. [`now`](embassy_time_driver::Driver::now) is that count in 1 MHz
//! ticks (`embassy-time-driver` feature `tick-hz-1_000_000`).
//!
//! Why not count SysTick interrupts, the usual minimal driver? Under QEMU a busy host
//! deschedules the emulated CPU for many milliseconds; the missed SysTick periods collapse
//! into one pending exception, so a clock made of counted 1 ms interrupts falls behind real
//! time (measured: a 495 ms run took 0.7-1.1 s of wall time on a loaded machine). A counter
//! that is read, not counted, cannot lose time; it only needs one interrupt per wrap.
//!
//! **Timers.** SysTick interrupts at 1 kHz and fires every timer whose deadline has passed
//! (`embassy_time_queue_utils::Queue`), so a timer fires at most 1 ms late. No extra
//! reprogramming per deadline, and a lost SysTick only delays timers, never the clock.

use core::cell::{Cell, RefCell};
use core::ptr;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::Waker;

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::{NVIC, SYST};
use cortex_m_rt::exception;
use critical_section::{CriticalSection, Mutex};
use embassy_time_driver::{Driver, TICK_HZ};
use embassy_time_queue_utils::Queue;

use crate::interrupts::Interrupt;

/// The core (and peripheral) clock of QEMU's mps2-an386 and of the AN386 FPGA image, in Hz.
pub const CORE_CLOCK_HZ: u32 = 25_000_000;

/// SysTick interrupts per second: how often due timers are fired.
pub const SYSTICK_HZ: u32 = 1_000;

/// Clock cycles per embassy-time tick.
const CYCLES_PER_TICK: u64 = CORE_CLOCK_HZ as u64 / TICK_HZ;

const _: () = assert!(
    (CORE_CLOCK_HZ as u64).is_multiple_of(TICK_HZ),
    "the embassy-time tick rate must divide the 25 MHz clock"
);
const _: () = assert!(
    CORE_CLOCK_HZ / SYSTICK_HZ <= 0x0100_0000,
    "SysTick reload must fit its 24-bit counter"
);

/// CMSDK APB timer 0 registers.
const TIMER0_CTRL: *mut u32 = 0x4000_0000 as *mut u32;
const TIMER0_VALUE: *mut u32 = 0x4000_0004 as *mut u32;
const TIMER0_RELOAD: *mut u32 = 0x4000_0008 as *mut u32;
/// Reads as INTSTATUS; writing 1 clears it.
const TIMER0_INTSTATUS: *mut u32 = 0x4000_000C as *mut u32;
const TIMER_CTRL_ENABLE: u32 = 1 << 0;
const TIMER_CTRL_IRQ_ENABLE: u32 = 1 << 3;

fn read(reg: *mut u32) -> u32 {
    // SAFETY: a timer 0 register: aligned and always mapped on this board.
    unsafe { ptr::read_volatile(reg) }
}

fn write(reg: *mut u32, value: u32) {
    // SAFETY: as in `read`; timer registers have no memory-safety side effects.
    unsafe { ptr::write_volatile(reg, value) }
}

struct Mps2Driver {
    /// Set once the counter runs; before that `now()` is 0 (the driver contract forbids
    /// faults, and time must not step back when the counter starts).
    running: AtomicBool,
    /// Times timer 0 wrapped, handled by its interrupt.
    wraps: Mutex<Cell<u64>>,
    /// Earliest deadline in the queue, `u64::MAX` when it is empty.
    alarm: Mutex<Cell<u64>>,
    queue: Mutex<RefCell<Queue>>,
}

impl Mps2Driver {
    fn now_in(&self, cs: CriticalSection<'_>) -> u64 {
        let mut wraps = self.wraps.borrow(cs).get();
        let mut value = read(TIMER0_VALUE);
        // A wrap whose interrupt has not run yet (we are in a critical section) shows in
        // INTSTATUS; re-read the counter so value and wrap count belong together.
        if read(TIMER0_INTSTATUS) & 1 != 0 {
            wraps += 1;
            value = read(TIMER0_VALUE);
        }
        let cycles = (wraps << 32) | u64::from(u32::MAX - value);
        cycles / CYCLES_PER_TICK
    }

    /// Fire every timer that is due and remember the next deadline.
    fn fire_due(&self, cs: CriticalSection<'_>) {
        let alarm = self.alarm.borrow(cs);
        let now = self.now_in(cs);
        if now >= alarm.get() {
            alarm.set(self.queue.borrow_ref_mut(cs).next_expiration(now));
        }
    }
}

impl Driver for Mps2Driver {
    fn now(&self) -> u64 {
        if !self.running.load(Ordering::Acquire) {
            return 0;
        }
        critical_section::with(|cs| self.now_in(cs))
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            let mut queue = self.queue.borrow_ref_mut(cs);
            if queue.schedule_wake(at, waker) {
                // The next SysTick interrupt compares against this; a deadline already in
                // the past fires there, at most 1 ms from now.
                let now = self.now_in(cs);
                self.alarm.borrow(cs).set(queue.next_expiration(now));
            }
        })
    }
}

embassy_time_driver::time_driver_impl!(static DRIVER: Mps2Driver = Mps2Driver {
    running: AtomicBool::new(false),
    wraps: Mutex::new(Cell::new(0)),
    alarm: Mutex::new(Cell::new(u64::MAX)),
    queue: Mutex::new(RefCell::new(Queue::new())),
});

/// Start timer 0 (the time base) and SysTick (the timer tick). Called once by
/// [`crate::init`].
pub(crate) fn start(mut syst: SYST) {
    write(TIMER0_CTRL, 0);
    write(TIMER0_INTSTATUS, 1);
    write(TIMER0_RELOAD, u32::MAX);
    write(TIMER0_VALUE, u32::MAX);
    write(TIMER0_CTRL, TIMER_CTRL_ENABLE | TIMER_CTRL_IRQ_ENABLE);
    DRIVER.running.store(true, Ordering::Release);
    // SAFETY: the handler only touches state behind a critical section.
    unsafe { NVIC::unmask(Interrupt::Timer0) };

    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(CORE_CLOCK_HZ / SYSTICK_HZ - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Timer 0 wrapped: extend the count.
#[unsafe(no_mangle)]
extern "C" fn TIMER0() {
    critical_section::with(|cs| {
        write(TIMER0_INTSTATUS, 1);
        let wraps = DRIVER.wraps.borrow(cs);
        wraps.set(wraps.get() + 1);
    });
}

#[exception]
fn SysTick() {
    critical_section::with(|cs| DRIVER.fire_due(cs));
}
