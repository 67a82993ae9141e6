extern crate std;

use std::vec::Vec;

use super::*;

/// `encode` into a fresh buffer, plus the delimiter.
fn wire(frame: &[u8]) -> Vec<u8> {
    let mut out = std::vec![0xAA; max_encoded_len(frame.len())];
    let len = encode(frame, &mut out).expect("max_encoded_len is enough");
    out.truncate(len);
    out.push(DELIMITER);
    out
}

/// The streaming encoder's output for `frame`, delimiter included.
fn streamed(encoder: &mut CobsEncoder, frame: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for &byte in frame {
        if let Some(block) = encoder.push(byte) {
            out.extend_from_slice(block);
        }
    }
    out.extend_from_slice(encoder.finish());
    out
}

/// Every frame (or error) the decoder yields for `stream`, fed `chunk` bytes at a time.
fn decode_all<const N: usize>(stream: &[u8], chunk: usize) -> Vec<Result<Vec<u8>, DecodeError>> {
    let mut decoder = CobsDecoder::<N>::new();
    let mut frames = Vec::new();
    for mut piece in stream.chunks(chunk) {
        while let Some(result) = decoder.feed(&mut piece) {
            frames.push(result.map(<[u8]>::to_vec));
        }
    }
    frames
}

fn range(from: u8, to: u8) -> Vec<u8> {
    (from..=to).collect()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn encodes_the_reference_vectors() {
    let cases: [(Vec<u8>, Vec<u8>); 11] = [
        (std::vec![0x00], std::vec![0x01, 0x01, 0x00]),
        (std::vec![0x00, 0x00], std::vec![0x01, 0x01, 0x01, 0x00]),
        (
            std::vec![0x00, 0x11, 0x00],
            std::vec![0x01, 0x02, 0x11, 0x01, 0x00],
        ),
        (
            std::vec![0x11, 0x22, 0x00, 0x33],
            std::vec![0x03, 0x11, 0x22, 0x02, 0x33, 0x00],
        ),
        (
            std::vec![0x11, 0x22, 0x33, 0x44],
            std::vec![0x05, 0x11, 0x22, 0x33, 0x44, 0x00],
        ),
        (
            std::vec![0x11, 0x00, 0x00, 0x00],
            std::vec![0x02, 0x11, 0x01, 0x01, 0x01, 0x00],
        ),
        (
            range(0x01, 0xFE),
            cat(&[&[0xFF], &range(0x01, 0xFE), &[0x00]]),
        ),
        (
            range(0x00, 0xFE),
            cat(&[&[0x01, 0xFF], &range(0x01, 0xFE), &[0x00]]),
        ),
        (
            range(0x01, 0xFF),
            cat(&[&[0xFF], &range(0x01, 0xFE), &[0x02, 0xFF, 0x00]]),
        ),
        (
            cat(&[&range(0x02, 0xFF), &[0x00]]),
            cat(&[&[0xFF], &range(0x02, 0xFF), &[0x01, 0x01, 0x00]]),
        ),
        (
            cat(&[&range(0x03, 0xFF), &[0x00, 0x01]]),
            cat(&[&[0xFE], &range(0x03, 0xFF), &[0x02, 0x01, 0x00]]),
        ),
    ];
    let mut encoder = CobsEncoder::new();
    for (frame, expected) in &cases {
        assert_eq!(&wire(frame), expected, "encode of {frame:02x?}");
        assert_eq!(
            &streamed(&mut encoder, frame),
            expected,
            "streamed {frame:02x?}"
        );
        assert_eq!(decode_all::<300>(expected, 1), [Ok(frame.clone())]);
    }
}

#[test]
fn round_trips_edge_cases_in_any_chunking() {
    let mut frames: Vec<Vec<u8>> = std::vec![Vec::new()];
    for len in [1, 2, 253, 254, 255, 256, 508, 509, 600] {
        frames.push(std::vec![0; len]); // all zeros
        frames.push(std::vec![0x5A; len]); // one long run without zeros
        frames.push((0..len).map(|i| (i % 256) as u8).collect()); // zeros every 256
        frames.push(
            (0..len)
                .map(|i| if i % 254 == 253 { 0 } else { 7 })
                .collect(),
        );
    }
    let mut stream = Vec::new();
    let mut encoder = CobsEncoder::new();
    for frame in &frames {
        let encoded = wire(frame);
        assert!(encoded.len() <= max_encoded_len(frame.len()) + 1);
        assert_eq!(
            encoded[..encoded.len() - 1].iter().position(|&b| b == 0),
            None
        );
        assert_eq!(
            streamed(&mut encoder, frame),
            encoded,
            "len {}",
            frame.len()
        );
        stream.extend_from_slice(&encoded);
    }
    let expected: Vec<_> = frames.iter().cloned().map(Ok).collect();
    for chunk in [1, 3, 64, 255, stream.len()] {
        assert_eq!(decode_all::<600>(&stream, chunk), expected, "chunk {chunk}");
    }
}

#[test]
fn encode_reports_a_small_buffer() {
    let mut out = [0u8; 4];
    assert_eq!(encode(&[1, 2, 3, 4], &mut out), Err(BufferTooSmall));
    assert_eq!(encode(&[], &mut []), Err(BufferTooSmall));
    assert_eq!(encode(&[1, 2, 3], &mut out), Ok(4));
    assert_eq!(out, [4, 1, 2, 3]);
}

#[test]
fn oversize_frames_are_reported_and_skipped() {
    let stream = cat(&[
        &wire(&[9; 17]),
        &wire(&[1; 16]),
        &wire(&[0; 40]),
        &wire(b"ok"),
    ]);
    assert_eq!(
        decode_all::<16>(&stream, 5),
        [
            Err(DecodeError::Oversize),
            Ok(std::vec![1; 16]),
            Err(DecodeError::Oversize),
            Ok(b"ok".to_vec()),
        ]
    );
}

#[test]
fn a_corrupt_stream_costs_only_the_damaged_frames() {
    let good = wire(b"hello, world");
    // A frame that lost bytes in transit: it ends inside a block.
    let truncated = &good[..good.len() - 4];
    // Starting mid-frame: the tail of a frame, then its delimiter.
    let tail = &good[5..];
    let mut stream = tail.to_vec();
    stream.extend_from_slice(truncated);
    stream.push(DELIMITER);
    stream.extend_from_slice(&[0, 0, 0]); // idle delimiters: no frames
    stream.extend_from_slice(&good);
    let frames = decode_all::<64>(&stream, 1);
    // The mid-frame tail decodes as something (COBS alone cannot tell), the truncated frame
    // is malformed, and the good frame after them is intact.
    assert_eq!(frames.len(), 3, "{frames:?}");
    assert_eq!(frames[1], Err(DecodeError::Malformed));
    assert_eq!(frames[2], Ok(b"hello, world".to_vec()));
}

#[test]
fn reset_drops_a_partial_frame() {
    let mut decoder = CobsDecoder::<8>::new();
    let mut partial: &[u8] = &[0x05, 1, 2];
    assert_eq!(decoder.feed(&mut partial), None);
    decoder.reset();
    let mut next: &[u8] = &[0x02, 9, 0x00];
    assert_eq!(decoder.feed(&mut next), Some(Ok(&[9][..])));
}
