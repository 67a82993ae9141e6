//! The frame of the framed connectors (`serial://`, `tcp://`, `uds://`): what one value
//! looks like on the wire.
//!
//! ```text
//! before COBS:  [ link id: u32 LE ][ payload: 0..=MAX_FRAME-6 bytes ][ CRC-16: u16 LE ]
//! on the wire:  COBS(above) 0x00
//! ```
//!
//! - The **link id** is the 32-bit FNV-1a hash of the link's name within its stream (the
//!   whole address for `serial://`, the path after the endpoint for `tcp://` and `uds://`:
//!   [`Addressing`](super::Addressing)), so a frame costs 4 bytes of addressing however long
//!   the address is, and both ends compute it from the same URL with no handshake. Route
//!   tables are checked for id collisions when they are attached.
//! - The **CRC-16** (CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF) covers id and
//!   payload. COBS resynchronises after a lost or corrupted byte but cannot tell a damaged
//!   frame from a good one; the CRC can, so a damaged frame is counted and never delivered.
//!
//! Overhead per value: 4 (id) + 2 (CRC) + 1 (COBS code byte, one more per 254 bytes) +
//! 1 (delimiter) = 8 bytes for payloads up to 247 bytes.

/// Bytes of the link id at the start of a frame.
pub const ID_LEN: usize = 4;

/// Bytes of the CRC at the end of a frame.
pub const CRC_LEN: usize = 2;

/// Header and trailer bytes of a frame before COBS: payloads may be up to
/// `MAX_FRAME - FRAME_OVERHEAD` bytes.
pub const FRAME_OVERHEAD: usize = ID_LEN + CRC_LEN;

/// The id of link `address` in a frame: 32-bit FNV-1a of its bytes. A `const fn`, so route
/// tables can hold it precomputed.
pub const fn link_id(address: &str) -> u32 {
    let bytes = address.as_bytes();
    let mut hash: u32 = 0x811C_9DC5;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u32;
        hash = hash.wrapping_mul(0x0100_0193);
        i += 1;
    }
    hash
}

/// CRC-16/CCITT-FALSE of `bytes`, a nibble at a time (a 32-byte table, fine for flash).
pub fn crc16(bytes: &[u8]) -> u16 {
    const TABLE: [u16; 16] = {
        let mut table = [0u16; 16];
        let mut n = 0;
        while n < 16 {
            let mut crc = (n as u16) << 12;
            let mut bit = 0;
            while bit < 4 {
                crc = if crc & 0x8000 != 0 {
                    (crc << 1) ^ 0x1021
                } else {
                    crc << 1
                };
                bit += 1;
            }
            table[n] = crc;
            n += 1;
        }
        table
    };
    let mut crc: u16 = 0xFFFF;
    for &byte in bytes {
        crc = (crc << 4) ^ TABLE[((crc >> 12) ^ (byte as u16 >> 4)) as usize];
        crc = (crc << 4) ^ TABLE[((crc >> 12) ^ (byte as u16 & 0x0F)) as usize];
    }
    crc
}

/// Write the frame of `payload` on link `id` into `out`; returns its length, or `None` if
/// `out` is too small.
pub fn write_frame(id: u32, payload: &[u8], out: &mut [u8]) -> Option<usize> {
    let len = payload.len() + FRAME_OVERHEAD;
    let frame = out.get_mut(..len)?;
    frame[..ID_LEN].copy_from_slice(&id.to_le_bytes());
    frame[ID_LEN..len - CRC_LEN].copy_from_slice(payload);
    let crc = crc16(&frame[..len - CRC_LEN]);
    frame[len - CRC_LEN..].copy_from_slice(&crc.to_le_bytes());
    Some(len)
}

/// Why a decoded COBS frame is not a valid frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// Shorter than id and CRC.
    Short,
    /// The CRC does not match: the frame was damaged.
    Checksum,
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            FrameError::Short => "frame shorter than its link id and CRC",
            FrameError::Checksum => "frame CRC mismatch: the frame was damaged",
        })
    }
}

impl core::error::Error for FrameError {}

/// Split a frame into link id and payload, checking its CRC.
pub fn parse_frame(frame: &[u8]) -> Result<(u32, &[u8]), FrameError> {
    if frame.len() < FRAME_OVERHEAD {
        return Err(FrameError::Short);
    }
    let (body, crc) = frame.split_at(frame.len() - CRC_LEN);
    if crc16(body) != u16::from_le_bytes([crc[0], crc[1]]) {
        return Err(FrameError::Checksum);
    }
    let (id, payload) = body.split_at(ID_LEN);
    Ok((u32::from_le_bytes([id[0], id[1], id[2], id[3]]), payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_and_hashes_match_their_references() {
        assert_eq!(crc16(b"123456789"), 0x29B1); // CRC-16/CCITT-FALSE check value
        assert_eq!(crc16(b""), 0xFFFF);
        assert_eq!(link_id(""), 0x811C_9DC5); // FNV-1a 32 test vectors
        assert_eq!(link_id("a"), 0xE40C_292C);
        assert_eq!(link_id("foobar"), 0xBF9C_F968);
    }

    #[test]
    fn frames_round_trip_and_damage_is_detected() {
        let mut out = [0u8; 32];
        let len =
            write_frame(link_id("climate/zone-a/reading"), b"\x00\x01\xFF", &mut out).unwrap();
        assert_eq!(len, 9);
        let (id, payload) = parse_frame(&out[..len]).unwrap();
        assert_eq!(id, link_id("climate/zone-a/reading"));
        assert_eq!(payload, b"\x00\x01\xFF");
        for at in 0..len {
            for bit in 0..8 {
                let mut damaged = out;
                damaged[at] ^= 1 << bit;
                assert_eq!(parse_frame(&damaged[..len]), Err(FrameError::Checksum));
            }
        }
        assert_eq!(parse_frame(&out[..5]), Err(FrameError::Short));
        assert_eq!(write_frame(1, &[0; 27], &mut out), None);
        assert_eq!(write_frame(1, &[0; 26], &mut out), Some(32));
    }
}
