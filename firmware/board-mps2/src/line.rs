//! A fixed-size line buffer for `format_args!` output: formatting without a heap.

use core::fmt::{self, Write};

/// Longest line the firmware prints, in bytes.
const CAPACITY: usize = 64;

/// A reusable buffer that holds one formatted line.
pub struct Line {
    bytes: [u8; CAPACITY],
    len: usize,
}

impl Line {
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
