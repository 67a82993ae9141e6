//! The `embedded-io` and `embedded-io-async` faces of UART0: the handle types and their
//! trait impls over the poll functions of the parent module.

use core::future::poll_fn;
use core::task::Poll;

use super::{RX, STATE, STATE_TX_FULL, UartError, poll_flush, poll_read, poll_write, read};

/// UART0 as one byte stream (both directions). Obtained from [`crate::init`].
#[derive(Debug)]
pub struct Uart0 {
    rx: Uart0Rx,
    tx: Uart0Tx,
}

/// The receive half of UART0.
#[derive(Debug)]
pub struct Uart0Rx {
    _owned: (),
}

/// The transmit half of UART0.
#[derive(Debug)]
pub struct Uart0Tx {
    _owned: (),
}

impl Uart0 {
    /// Only `init` creates the handle, so there is exactly one.
    pub(crate) const fn new() -> Self {
        Uart0 {
            rx: Uart0Rx { _owned: () },
            tx: Uart0Tx { _owned: () },
        }
    }

    /// Split into a receive half and a transmit half, for a reader task and a writer task.
    pub fn split(self) -> (Uart0Rx, Uart0Tx) {
        (self.rx, self.tx)
    }
}

impl embedded_io::ErrorType for Uart0 {
    type Error = UartError;
}
impl embedded_io::ErrorType for Uart0Rx {
    type Error = UartError;
}
impl embedded_io::ErrorType for Uart0Tx {
    type Error = UartError;
}

impl embedded_io_async::Read for Uart0Rx {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, UartError> {
        poll_fn(|cx| poll_read(Some(cx), buf)).await
    }
}

impl embedded_io_async::Write for Uart0Tx {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, UartError> {
        Ok(poll_fn(|cx| poll_write(Some(cx), buf)).await)
    }

    async fn flush(&mut self) -> Result<(), UartError> {
        poll_fn(|cx| poll_flush(Some(cx))).await;
        Ok(())
    }
}

impl embedded_io::Read for Uart0Rx {
    /// Blocks (spinning) until at least one byte is buffered.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, UartError> {
        loop {
            if let Poll::Ready(result) = poll_read(None, buf) {
                return result;
            }
            core::hint::spin_loop();
        }
    }
}

impl Uart0Rx {
    /// Bytes received and waiting to be read (at most [`RX_BUFFER_LEN`](super::RX_BUFFER_LEN)).
    pub fn buffered(&self) -> usize {
        critical_section::with(|cs| RX.borrow_ref(cs).len)
    }

    /// How many times the receive buffer filled up and reception was held until the reader
    /// made room (back-pressure, not loss; wraps at `u32::MAX`).
    pub fn holds(&self) -> u32 {
        critical_section::with(|cs| RX.borrow_ref(cs).holds)
    }
}

impl embedded_io::ReadReady for Uart0Rx {
    fn read_ready(&mut self) -> Result<bool, UartError> {
        Ok(critical_section::with(|cs| {
            let rx = RX.borrow_ref(cs);
            rx.len > 0 || rx.overrun
        }))
    }
}

impl embedded_io::Write for Uart0Tx {
    /// Blocks (spinning) until the hardware takes at least one byte.
    fn write(&mut self, buf: &[u8]) -> Result<usize, UartError> {
        loop {
            if let Poll::Ready(n) = poll_write(None, buf) {
                return Ok(n);
            }
            core::hint::spin_loop();
        }
    }

    fn flush(&mut self) -> Result<(), UartError> {
        while poll_flush(None).is_pending() {
            core::hint::spin_loop();
        }
        Ok(())
    }
}

impl embedded_io::WriteReady for Uart0Tx {
    fn write_ready(&mut self) -> Result<bool, UartError> {
        Ok(read(STATE) & STATE_TX_FULL == 0)
    }
}

impl embedded_io_async::Read for Uart0 {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, UartError> {
        embedded_io_async::Read::read(&mut self.rx, buf).await
    }
}

impl embedded_io_async::Write for Uart0 {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, UartError> {
        embedded_io_async::Write::write(&mut self.tx, buf).await
    }

    async fn flush(&mut self) -> Result<(), UartError> {
        embedded_io_async::Write::flush(&mut self.tx).await
    }
}

impl embedded_io::Read for Uart0 {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, UartError> {
        embedded_io::Read::read(&mut self.rx, buf)
    }
}

impl embedded_io::ReadReady for Uart0 {
    fn read_ready(&mut self) -> Result<bool, UartError> {
        embedded_io::ReadReady::read_ready(&mut self.rx)
    }
}

impl embedded_io::Write for Uart0 {
    fn write(&mut self, buf: &[u8]) -> Result<usize, UartError> {
        embedded_io::Write::write(&mut self.tx, buf)
    }

    fn flush(&mut self) -> Result<(), UartError> {
        embedded_io::Write::flush(&mut self.tx)
    }
}

impl embedded_io::WriteReady for Uart0 {
    fn write_ready(&mut self) -> Result<bool, UartError> {
        embedded_io::WriteReady::write_ready(&mut self.tx)
    }
}
