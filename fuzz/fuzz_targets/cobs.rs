//! COBS on arbitrary bytes:
//! - `encode` then decoding gives the frame back, and the encoding has no zero byte and
//!   fits `max_encoded_len`;
//! - the streaming `CobsEncoder` writes exactly what `encode` writes (plus the delimiter);
//! - `CobsDecoder` fed arbitrary bytes in arbitrary chunks never panics, yields frames no
//!   longer than its buffer, and yields the same frames however the input is chunked.
#![no_main]

use aimdb_connectors::cobs::{self, CobsDecoder, CobsEncoder, DecodeError};
use libfuzzer_sys::fuzz_target;

/// The decoder's buffer: small, so oversize frames are common.
const N: usize = 64;

fuzz_target!(|data: &[u8]| {
    let Some((&split, data)) = data.split_first() else {
        return;
    };
    round_trip(data);
    decode_any(data, usize::from(split % 17) + 1);
});

fn round_trip(frame: &[u8]) {
    let mut encoded = vec![0u8; cobs::max_encoded_len(frame.len())];
    let len = cobs::encode(frame, &mut encoded).expect("max_encoded_len is enough");
    let encoded = &encoded[..len];
    assert!(
        !encoded.contains(&cobs::DELIMITER),
        "encoded frame holds a delimiter"
    );
    // One byte less than needed is refused, never a panic.
    if len > 0 {
        let mut short = vec![0u8; len - 1];
        assert_eq!(cobs::encode(frame, &mut short), Err(cobs::BufferTooSmall));
    }

    let mut streamed = Vec::new();
    let mut encoder = CobsEncoder::new();
    for &byte in frame {
        if let Some(block) = encoder.push(byte) {
            streamed.extend_from_slice(block);
        }
    }
    streamed.extend_from_slice(encoder.finish());
    assert_eq!(streamed.last(), Some(&cobs::DELIMITER));
    assert_eq!(
        &streamed[..streamed.len() - 1],
        encoded,
        "streaming encoder disagrees"
    );

    // Decoding with a buffer large enough gives the frame back.
    let mut decoder = CobsDecoder::<1024>::new();
    let mut input = &streamed[..];
    match decoder.feed(&mut input) {
        Some(Ok(decoded)) if frame.len() <= 1024 => assert_eq!(decoded, frame),
        Some(Err(DecodeError::Oversize)) if frame.len() > 1024 => {}
        // An empty frame encodes as `01 00`: one code byte, decoded as an empty frame.
        other => panic!("round trip of {} bytes gave {other:?}", frame.len()),
    }
    assert!(input.is_empty());
}

/// What a decoder yields for `data` fed `chunk` bytes at a time.
fn frames(data: &[u8], chunk: usize) -> Vec<Result<Vec<u8>, DecodeError>> {
    let mut decoder = CobsDecoder::<N>::new();
    let mut out = Vec::new();
    for piece in data.chunks(chunk) {
        let mut input = piece;
        while let Some(result) = decoder.feed(&mut input) {
            if let Ok(frame) = &result {
                assert!(frame.len() <= N);
            }
            out.push(result.map(<[u8]>::to_vec));
        }
    }
    out
}

fn decode_any(data: &[u8], chunk: usize) {
    let whole = frames(data, data.len().max(1));
    assert_eq!(
        whole,
        frames(data, chunk),
        "chunking changed the decoded frames"
    );
    // Every good frame survives encoding and decoding again, however it was encoded.
    for frame in whole.iter().flatten() {
        let mut encoded = vec![0u8; cobs::max_encoded_len(frame.len())];
        let len = cobs::encode(frame, &mut encoded).unwrap();
        let mut decoder = CobsDecoder::<N>::new();
        let mut input = &encoded[..len];
        assert!(decoder.feed(&mut input).is_none(), "no delimiter yet");
        let mut end: &[u8] = &[0];
        assert_eq!(decoder.feed(&mut end), Some(Ok(&frame[..])));
    }
}
