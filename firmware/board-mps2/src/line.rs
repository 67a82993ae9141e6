//! A fixed-size line buffer for `format_args!` output: formatted UART lines without a heap.

use core::fmt::{self, Write};

/// The longest line a [`Line`] holds, in bytes.
const CAPACITY: usize = Line::CAPACITY;

/// A reusable buffer that holds one formatted line.
///
/// ```ignore
/// let mut line = Line::new();
/// uart.write_all(line.format(format_args!("reading {seq} {value}\n"))).await?;
/// ```
pub struct Line {
    bytes: [u8; CAPACITY],
    len: usize,
}

impl Line {
    /// The longest line a `Line` holds, in bytes.
    pub const CAPACITY: usize = 64;

    /// An empty buffer.
    pub const fn new() -> Self {
        Line {
            bytes: [0; CAPACITY],
            len: 0,
        }
    }

    /// Format `args` into the buffer (replacing what it held) and return the bytes. A line
    /// longer than the buffer is cut at `CAPACITY` bytes and ends in `~\n` so the cut shows.
    pub fn format(&mut self, args: fmt::Arguments<'_>) -> &[u8] {
        self.len = 0;
        if self.write_fmt(args).is_err() {
            self.bytes[CAPACITY - 2..].copy_from_slice(b"~\n");
            self.len = CAPACITY;
        }
        &self.bytes[..self.len]
    }
}

impl Write for Line {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > CAPACITY {
            return Err(fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}
