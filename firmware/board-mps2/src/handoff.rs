//! Handing a peripheral to a function the firmware does not call itself.
//!
//! A generated node calls the user's source and tap functions with their record handle
//! only (`async fn render_chart(consumer: Consumer<'static, T>)`). A tap that prints on
//! UART0 gets the UART through a [`Handoff`]: `main` puts it in, the function takes it out.

use core::cell::RefCell;

use critical_section::Mutex;

/// A static slot that holds one value until someone takes it.
pub struct Handoff<T> {
    slot: Mutex<RefCell<Option<T>>>,
}

impl<T> Handoff<T> {
    /// An empty slot, for a `static`.
    pub const fn new() -> Self {
        Handoff {
            slot: Mutex::new(RefCell::new(None)),
        }
    }

    /// Put `value` in the slot, returning what it held before.
    pub fn put(&self, value: T) -> Option<T> {
        critical_section::with(|cs| self.slot.borrow_ref_mut(cs).replace(value))
    }

    /// Take the value out; `None` if it was never put in or already taken.
    pub fn take(&self) -> Option<T> {
        critical_section::with(|cs| self.slot.borrow_ref_mut(cs).take())
    }
}

impl<T> Default for Handoff<T> {
    fn default() -> Self {
        Self::new()
    }
}
