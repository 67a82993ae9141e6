//! COBS on arbitrary bytes:
//! - `encode` then decoding gives the frame back, and the encoding has no zero byte and
//!   fits `max_encoded_len`;
//! - the streaming `CobsEncoder` writes exactly what `encode` writes (plus the delimiter);
//! - `CobsDecoder` fed arbitrary bytes in arbitrary chunks never panics, yields frames no
//!   longer than its buffer, and yields the same frames however the input is chunked;
//! - the `cobs` crate, an independent implementation, encodes every frame to the same bytes
//!   and decodes our encoding back to the frame, and every frame our decoder accepts from
//!   arbitrary bytes is the one `cobs` decodes from them.
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
    let mut theirs = vec![0u8; ::cobs::max_encoding_length(frame.len())];
    let their_len = ::cobs::encode(frame, &mut theirs);
    // cobs 0.3 encodes an empty frame as no bytes at all (a bare delimiter, which our
    // decoder skips as a flush); ours writes the canonical `01`. Every other frame: equal.
    if !frame.is_empty() {
        assert_eq!(encoded, &theirs[..their_len], "the cobs crate encodes differently");
    }
    let mut decoded = vec![0u8; frame.len().max(1)];
    let report = ::cobs::decode(encoded, &mut decoded).expect("cobs decodes our encoding");
    assert_eq!(&decoded[..report], frame, "the cobs crate decodes our encoding differently");
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
    agrees_with_the_cobs_crate(data, &whole);
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

/// Each delimited piece of `data`, decoded alone by the `cobs` crate, gives what ours gave
/// for it: the same frame, or an error (`Oversize` where the frame exceeds our buffer).
/// Empty pieces (two delimiters in a row) are skipped by ours and not asked of theirs.
fn agrees_with_the_cobs_crate(data: &[u8], ours: &[Result<Vec<u8>, DecodeError>]) {
    let mut pieces = data.split(|&byte| byte == cobs::DELIMITER);
    pieces.next_back(); // not delimited: still pending in our decoder
    let mut ours = ours.iter();
    for piece in pieces.filter(|piece| !piece.is_empty()) {
        let mine = ours.next().expect("ours yields one result per delimited piece");
        let mut big = vec![0u8; piece.len()];
        match (::cobs::decode(piece, &mut big), mine) {
            (Ok(n), Ok(frame)) => assert_eq!(&big[..n], &frame[..], "decoded differently"),
            (Ok(n), Err(DecodeError::Oversize)) => assert!(n > N, "{n} bytes called oversize"),
            (Err(_), Err(DecodeError::Malformed)) => {}
            // Broken and too long: ours stops looking at a frame once it overflows.
            (Err(_), Err(DecodeError::Oversize)) => assert!(piece.len() > N),
            (theirs, mine) => panic!("cobs says {theirs:?}, ours {mine:?} for {piece:02x?}"),
        }
    }
    assert!(ours.next().is_none(), "ours yielded more frames than pieces");
}
