//! The embassy-time driver: SysTick at 1 kHz, read back at 1 MHz.
//!
//! SysTick counts the 25 MHz core clock down from 24 999 and interrupts once per
//! millisecond. The interrupt counts periods in software (so time is 64-bit and never wraps)
//! and fires due timers. [`now`](embassy_time_driver::Driver::now) combines the period count
//! with the counter's current value, so timestamps have 1 µs resolution
//! (`embassy-time-driver` feature `tick-hz-1_000_000`) even though alarms are checked once per
//! millisecond: a timer fires at the first SysTick interrupt at or after its deadline, at
//! most 1 ms late. That is the price of a driver with no extra hardware timer; it keeps the
//! driver portable to any Cortex-M board with the same core clock.

use core::cell::{Cell, RefCell};
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::Waker;

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::{SCB, SYST};
use cortex_m_rt::exception;
use critical_section::{CriticalSection, Mutex};
use embassy_time_driver::Driver;
use embassy_time_queue_utils::Queue;

/// The core clock of QEMU's mps2-an386 (and of the real AN386 FPGA image), in Hz.
pub const CORE_CLOCK_HZ: u32 = 25_000_000;

/// SysTick interrupts per second: the granularity at which timers fire.
pub const SYSTICK_HZ: u32 = 1_000;

/// Core clock cycles between two SysTick interrupts.
const CYCLES_PER_PERIOD: u32 = CORE_CLOCK_HZ / SYSTICK_HZ;

/// embassy-time ticks per SysTick period (1 MHz ticks, 1 kHz periods).
const TICKS_PER_PERIOD: u64 = embassy_time_driver::TICK_HZ / SYSTICK_HZ as u64;

/// Core clock cycles per embassy-time tick.
const CYCLES_PER_TICK: u32 = CORE_CLOCK_HZ / embassy_time_driver::TICK_HZ as u32;

const _: () = assert!(
    CORE_CLOCK_HZ.is_multiple_of(SYSTICK_HZ) && CYCLES_PER_PERIOD <= 0x00FF_FFFF,
    "SysTick reload must fit its 24-bit counter"
);
const _: () = assert!(
    embassy_time_driver::TICK_HZ.is_multiple_of(SYSTICK_HZ as u64)
        && (CORE_CLOCK_HZ as u64).is_multiple_of(embassy_time_driver::TICK_HZ),
    "tick rate must divide the core clock and be a multiple of the SysTick rate"
);

struct SysTickDriver {
    /// Set once SysTick runs; before that `now()` is 0 (the driver contract forbids faults).
    running: AtomicBool,
    /// SysTick periods elapsed since `start`.
    periods: Mutex<Cell<u64>>,
    /// Last value `now()` returned, so time never steps back (see `now`).
    last: Mutex<Cell<u64>>,
    /// Earliest deadline in the queue, `u64::MAX` when it is empty.
    alarm: Mutex<Cell<u64>>,
    queue: Mutex<RefCell<Queue>>,
}

impl SysTickDriver {
    fn now_in(&self, cs: CriticalSection<'_>) -> u64 {
        let mut periods = self.periods.borrow(cs).get();
        let mut current = SYST::get_current();
        // SysTick may have wrapped since the interrupt last ran (we are in a critical
        // section, or in a higher-priority handler). Its pending bit says so; the counter is
        // then re-read so value and period count belong together.
        if SCB::is_pendst_pending() {
            periods += 1;
            current = SYST::get_current();
        }
        let into_period = (CYCLES_PER_PERIOD - 1).saturating_sub(current) / CYCLES_PER_TICK;
        let computed = periods * TICKS_PER_PERIOD + u64::from(into_period);
        // Belt and braces: an emulator may show the reloaded counter a moment before the
        // pending bit; never let time run backwards.
        let last = self.last.borrow(cs);
        let now = computed.max(last.get());
        last.set(now);
        now
    }

    /// Fire every timer that is due and remember the next deadline.
    fn fire_due(&self, cs: CriticalSection<'_>) {
        let alarm = self.alarm.borrow(cs);
        let now = self.now_in(cs);
        if now >= alarm.get() {
            let next = self.queue.borrow_ref_mut(cs).next_expiration(now);
            alarm.set(next);
        }
    }
}

impl Driver for SysTickDriver {
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

embassy_time_driver::time_driver_impl!(static DRIVER: SysTickDriver = SysTickDriver {
    running: AtomicBool::new(false),
    periods: Mutex::new(Cell::new(0)),
    last: Mutex::new(Cell::new(0)),
    alarm: Mutex::new(Cell::new(u64::MAX)),
    queue: Mutex::new(RefCell::new(Queue::new())),
});

/// Start SysTick as the time base. Called once by [`crate::init`].
pub(crate) fn start(mut syst: SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(CYCLES_PER_PERIOD - 1);
    syst.clear_current();
    DRIVER.running.store(true, Ordering::Release);
    syst.enable_interrupt();
    syst.enable_counter();
}

#[exception]
fn SysTick() {
    critical_section::with(|cs| {
        let periods = DRIVER.periods.borrow(cs);
        periods.set(periods.get() + 1);
        DRIVER.fire_due(cs);
    });
}
