//! A peer for the framed connectors (`tcp://`, `uds://`) that shares no code with them:
//! the wire format written again from its description (aimdb-connectors' `kit::frame`
//! docs), on plain blocking std sockets.
//!
//! ```text
//! frame  = COBS( link id: u32 LE | payload | CRC-16: u16 LE ) 0x00
//! link id = FNV-1a 32 of the link name (offset basis 0x811C9DC5, prime 0x01000193)
//! CRC-16  = CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor) of id and payload
//! ```

#![allow(dead_code)] // each test binary uses its own part

use std::io::{self, Read};
use std::time::Duration;

/// How long a peer waits for a byte before the test fails.
pub const PEER_WAIT: Duration = Duration::from_secs(10);

/// FNV-1a, 32 bits.
pub fn fnv1a(name: &str) -> u32 {
    name.bytes().fold(0x811C_9DC5, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// CRC-16/CCITT-FALSE, bit by bit.
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &byte in bytes {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Consistent overhead byte stuffing: no zero byte in the output.
pub fn cobs_encode(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0];
    let mut code_at = 0;
    for &byte in data {
        if byte != 0 {
            out.push(byte);
        }
        let run = out.len() - code_at;
        if byte == 0 || run == 0xFF {
            out[code_at] = run as u8;
            code_at = out.len();
            out.push(0);
        }
    }
    out[code_at] = (out.len() - code_at) as u8;
    out
}

/// The inverse of [`cobs_encode`]; `None` for a block that runs past the end.
pub fn cobs_decode(encoded: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < encoded.len() {
        let code = usize::from(encoded[at]);
        if code == 0 || at + code > encoded.len() {
            return None;
        }
        out.extend_from_slice(&encoded[at + 1..at + code]);
        at += code;
        if code < 0xFF && at < encoded.len() {
            out.push(0);
        }
    }
    Some(out)
}

/// The wire bytes of `payload` on link `name`, delimiter included.
pub fn frame(name: &str, payload: &[u8]) -> Vec<u8> {
    let mut raw = fnv1a(name).to_le_bytes().to_vec();
    raw.extend_from_slice(payload);
    let crc = crc16(&raw);
    raw.extend_from_slice(&crc.to_le_bytes());
    let mut wire = cobs_encode(&raw);
    wire.push(0);
    wire
}

/// [`frame`] with one bit flipped inside the COBS data so that it still decodes but its
/// CRC fails.
pub fn damaged_frame(name: &str, payload: &[u8]) -> Vec<u8> {
    let mut wire = frame(name, payload);
    // Byte 2 is the link id's second byte or a code byte; flip a high bit of a data byte
    // that is not zero after the flip.
    let at = wire
        .iter()
        .rposition(|&b| b != 0 && b & 0x40 == 0)
        .unwrap_or(2);
    wire[at] ^= 0x40;
    wire
}

/// Reads frames from a blocking stream.
pub struct FrameReader<R> {
    stream: R,
    pending: Vec<u8>,
}

impl<R: Read> FrameReader<R> {
    /// Frames from `stream` (set a read timeout on it: a missing frame fails the test).
    pub fn new(stream: R) -> Self {
        FrameReader {
            stream,
            pending: Vec::new(),
        }
    }

    /// The next frame's link id and payload, its CRC checked. Empty frames (the delimiter
    /// a connector writes first to end any partial frame) are skipped. `Err` on a read
    /// error, a timeout, end of stream or a frame that does not check out.
    pub fn next(&mut self) -> io::Result<(u32, Vec<u8>)> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == 0) {
                let encoded: Vec<u8> = self.pending.drain(..=end).take(end).collect();
                if encoded.is_empty() {
                    continue;
                }
                let raw = cobs_decode(&encoded)
                    .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad COBS"))?;
                if raw.len() < 6 {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "short frame"));
                }
                let (body, crc) = raw.split_at(raw.len() - 2);
                if crc16(body) != u16::from_le_bytes([crc[0], crc[1]]) {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "bad CRC"));
                }
                let id = u32::from_le_bytes([body[0], body[1], body[2], body[3]]);
                return Ok((id, body[4..].to_vec()));
            }
            let mut chunk = [0u8; 256];
            match self.stream.read(&mut chunk)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => self.pending.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// The underlying stream.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.stream
    }
}

/// A 12-byte payload for value `n` holding zero and 0xFF bytes, so that COBS has work to do
/// and the comparison at the peer is bit-exact.
pub fn payload(n: u32) -> [u8; 12] {
    let mut out = [0u8; 12];
    out[..4].copy_from_slice(&n.to_le_bytes());
    out[4..8].copy_from_slice(&[0x00, 0xFF, 0x00, 0x01]);
    out[8..].copy_from_slice(&n.wrapping_mul(2_654_435_761).to_le_bytes());
    out
}

#[test]
fn the_peer_framing_matches_published_check_values() {
    // CRC-16/CCITT-FALSE check value; FNV-1a 32 test vector; COBS examples from the paper.
    assert_eq!(crc16(b"123456789"), 0x29B1);
    assert_eq!(fnv1a("foobar"), 0xBF9C_F968);
    assert_eq!(cobs_encode(&[0x00]), [0x01, 0x01]);
    assert_eq!(
        cobs_encode(&[0x11, 0x22, 0x00, 0x33]),
        [0x03, 0x11, 0x22, 0x02, 0x33]
    );
    let long: Vec<u8> = (1..=254).collect();
    let encoded = cobs_encode(&long);
    assert_eq!(encoded[0], 0xFF);
    assert!(!encoded.contains(&0));
    assert_eq!(cobs_decode(&encoded).unwrap(), long);
    let damaged = damaged_frame("a", &payload(1));
    let mut reader = FrameReader::new(&damaged[..]);
    assert_eq!(
        reader.next().unwrap_err().kind(),
        io::ErrorKind::InvalidData
    );
}
