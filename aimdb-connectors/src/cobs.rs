//! COBS (Consistent Overhead Byte Stuffing) framing, `no_std`, no heap.
//!
//! COBS rewrites a frame so it contains no `0x00` byte, at a cost of one byte per 254 bytes
//! (plus one), and a `0x00` then marks the end of each frame on the wire. A receiver that
//! starts listening mid-stream, or sees a corrupted byte, loses at most the frame it is in:
//! it resynchronises on the next `0x00`.
//!
//! - [`encode`] encodes a whole frame into a caller's buffer ([`max_encoded_len`] bounds it).
//! - [`CobsEncoder`] encodes a frame byte by byte with one 256-byte block buffer, so a
//!   frame can be assembled from pieces (header, payload, checksum) without first copying
//!   it into one contiguous buffer, whatever its length.
//! - [`CobsDecoder`] decodes a byte stream fed in chunks of any size into a fixed buffer and
//!   yields each complete frame; a frame longer than the buffer is reported as
//!   [`DecodeError::Oversize`], a truncated one as [`DecodeError::Malformed`], and decoding
//!   continues with the next frame either way.
//!
//! The encoding is the canonical one: a block of 254 non-zero bytes is coded `0xFF` and
//! carries no implied zero, and the implied zero at the very end of a frame is dropped.

/// The frame delimiter on the wire.
pub const DELIMITER: u8 = 0x00;

/// The largest encoded size (without the delimiter) of a frame of `len` bytes.
pub const fn max_encoded_len(len: usize) -> usize {
    len + len / 254 + 1
}

/// Why [`encode`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferTooSmall;

impl core::fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("output buffer too small for the COBS-encoded frame")
    }
}

/// Encode `frame` into `out`, without the trailing delimiter, and return the encoded length.
/// `out` needs at most [`max_encoded_len`]`(frame.len())` bytes.
pub fn encode(frame: &[u8], out: &mut [u8]) -> Result<usize, BufferTooSmall> {
    // `code_at` is where the current block's code byte goes; it is written when the block
    // ends (at a zero, after 254 data bytes, or at the end of the frame).
    let mut code_at = 0;
    let mut written = 1;
    let mut code: u8 = 1;
    if out.is_empty() {
        return Err(BufferTooSmall);
    }
    for (i, &byte) in frame.iter().enumerate() {
        if byte == 0 {
            out[code_at] = code;
            code_at = written;
            *out.get_mut(written).ok_or(BufferTooSmall)? = 0; // placeholder for the code
            written += 1;
            code = 1;
            continue;
        }
        *out.get_mut(written).ok_or(BufferTooSmall)? = byte;
        written += 1;
        code += 1;
        // A full block ends here; a new one starts only if more data follows, so a frame
        // ending on a full block gets no empty trailing block.
        if code == 0xFF && i + 1 < frame.len() {
            out[code_at] = code;
            code_at = written;
            *out.get_mut(written).ok_or(BufferTooSmall)? = 0;
            written += 1;
            code = 1;
        }
    }
    out[code_at] = code;
    Ok(written)
}

/// A streaming COBS encoder: push a frame's bytes one by one, write out each completed
/// block, then [`finish`](CobsEncoder::finish) the frame.
///
/// ```
/// use aimdb_connectors::cobs::CobsEncoder;
///
/// let mut wire = Vec::new();
/// let mut encoder = CobsEncoder::new();
/// for &byte in b"\x11\x00\x22" {
///     if let Some(block) = encoder.push(byte) {
///         wire.extend_from_slice(block);
///     }
/// }
/// wire.extend_from_slice(encoder.finish());
/// assert_eq!(wire, [0x02, 0x11, 0x02, 0x22, 0x00]);
/// ```
#[derive(Clone, Debug)]
pub struct CobsEncoder {
    /// `block[0]` is the code byte, then up to 254 data bytes, then room for the delimiter.
    block: [u8; 256],
    /// Bytes used in `block`, the code byte included (1 = an empty block).
    len: usize,
    /// The last block written was a full `0xFF` block and nothing was pushed since.
    after_full: bool,
}

impl Default for CobsEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl CobsEncoder {
    /// An encoder at the start of a frame.
    pub const fn new() -> Self {
        CobsEncoder {
            block: [0; 256],
            len: 1,
            after_full: false,
        }
    }

    /// Add one byte of the frame. Returns a completed block to write out, if this byte
    /// completed one.
    pub fn push(&mut self, byte: u8) -> Option<&[u8]> {
        self.after_full = false;
        if byte == 0 {
            return Some(self.close_block());
        }
        self.block[self.len] = byte;
        self.len += 1;
        if self.len == 255 {
            self.after_full = true;
            return Some(self.close_block());
        }
        None
    }

    /// End the frame: returns the last block and the delimiter, and resets the encoder for
    /// the next frame.
    pub fn finish(&mut self) -> &[u8] {
        let start = if self.after_full && self.len == 1 {
            // The frame ended on a full block: only the delimiter is left to send.
            self.block[0] = DELIMITER;
            self.after_full = false;
            return &self.block[..1];
        } else {
            self.block[0] = self.len as u8;
            self.len
        };
        self.block[start] = DELIMITER;
        self.len = 1;
        self.after_full = false;
        &self.block[..start + 1]
    }

    fn close_block(&mut self) -> &[u8] {
        let len = self.len;
        self.block[0] = len as u8;
        // Only the length resets: the returned bytes stay intact until the next push.
        self.len = 1;
        &self.block[..len]
    }
}

/// Why a frame could not be decoded. Decoding continues with the next frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The frame is longer than the decoder's buffer; its bytes were discarded up to the
    /// next delimiter.
    Oversize,
    /// The frame ended in the middle of a COBS block (bytes were lost or corrupted).
    Malformed,
}

impl core::error::Error for DecodeError {}

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            DecodeError::Oversize => "COBS frame larger than the receive buffer",
            DecodeError::Malformed => "COBS frame truncated inside a block",
        })
    }
}

/// An incremental COBS decoder with a fixed buffer of `N` bytes (the largest decoded
/// frame it accepts).
///
/// ```
/// use aimdb_connectors::cobs::CobsDecoder;
///
/// let mut decoder = CobsDecoder::<16>::new();
/// let mut input: &[u8] = &[0x02, 0x11, 0x02, 0x22, 0x00, 0x01, 0x00];
/// assert_eq!(decoder.feed(&mut input), Some(Ok(&[0x11, 0x00, 0x22][..])));
/// assert_eq!(decoder.feed(&mut input), Some(Ok(&[][..])));
/// assert_eq!(decoder.feed(&mut input), None); // input used up
/// ```
#[derive(Clone, Debug)]
pub struct CobsDecoder<const N: usize> {
    buf: [u8; N],
    len: usize,
    /// Data bytes left in the current block; 0 means the next byte is a code byte.
    remaining: u8,
    /// The current block ends in an implied zero (its code was not `0xFF`), to be written
    /// if another block follows.
    pending_zero: bool,
    /// At least one byte of the current frame was seen.
    started: bool,
    /// The current frame overflowed `buf`; it is skipped up to its delimiter.
    overflow: bool,
}

impl<const N: usize> Default for CobsDecoder<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> CobsDecoder<N> {
    /// A decoder waiting for the first byte of a frame.
    pub const fn new() -> Self {
        CobsDecoder {
            buf: [0; N],
            len: 0,
            remaining: 0,
            pending_zero: false,
            started: false,
            overflow: false,
        }
    }

    /// Forget any partial frame (after the stream was reconnected, say).
    pub fn reset(&mut self) {
        self.len = 0;
        self.remaining = 0;
        self.pending_zero = false;
        self.started = false;
        self.overflow = false;
    }

    /// Consume bytes from the front of `input` until a frame ends, and return that frame
    /// (or why it is unusable). Returns `None` once `input` is used up without a frame
    /// ending; the partial frame is kept for the next call. Empty frames (two delimiters in
    /// a row, which senders use to flush a receiver) are skipped silently.
    pub fn feed<'a>(&'a mut self, input: &mut &[u8]) -> Option<Result<&'a [u8], DecodeError>> {
        while let Some((&byte, rest)) = input.split_first() {
            *input = rest;
            if byte == DELIMITER {
                if !self.started {
                    continue;
                }
                let result = if self.overflow {
                    Err(DecodeError::Oversize)
                } else if self.remaining != 0 {
                    Err(DecodeError::Malformed)
                } else {
                    Ok(self.len)
                };
                self.reset();
                // `reset` leaves the bytes in place, so the frame can be returned.
                return Some(result.map(|len| &self.buf[..len]));
            }
            self.started = true;
            if self.remaining == 0 {
                if self.pending_zero {
                    self.store(0);
                }
                self.remaining = byte - 1;
                self.pending_zero = byte != 0xFF;
            } else {
                self.store(byte);
                self.remaining -= 1;
            }
        }
        None
    }

    fn store(&mut self, byte: u8) {
        match self.buf.get_mut(self.len) {
            Some(slot) if !self.overflow => {
                *slot = byte;
                self.len += 1;
            }
            _ => self.overflow = true,
        }
    }
}

#[cfg(test)]
mod tests;
