//! What rustdds carries for us: the CDR payload as bytes, never a typed value. The record's
//! codec (`cdr`) already wrote the XCDR1 bytes; rustdds only frames them.

use std::convert::Infallible;

use rustdds::RepresentationIdentifier;
use rustdds::bytes::Bytes;
use rustdds::no_key::{Decode, DefaultDecoder, DeserializerAdapter, SerializerAdapter};

use aimdb_core::contract::HEADER_LEN;

use crate::cdr::ENCAPSULATION;

/// The largest CDR body (after the 4-byte encapsulation header) a reader takes; a larger
/// sample is counted as `oversize` and skipped. Twice the payload buffer of a link
/// (`aimdb::LINK_PAYLOAD_BYTES`, 256 bytes), so a peer's type with a few more fields still
/// fits; every arrived sample is copied once into a frame this large, so it is not larger.
pub const MAX_BODY: usize = 512;

/// Where the body starts in a [`Frame`]: room for the contract header and the encapsulation
/// header in front of it, so a route gets one contiguous payload without a copy.
pub(crate) const BODY_AT: usize = HEADER_LEN + ENCAPSULATION.len();

/// One arrived sample, in fixed storage (rustdds's reader keeps it in its cache until the
/// connector takes it): `[fingerprint 8][encapsulation 4][body]`.
pub struct Frame {
    pub(crate) bytes: [u8; BODY_AT + MAX_BODY],
    pub(crate) len: usize,
    /// The sample's body was larger than [`MAX_BODY`] (not stored).
    pub(crate) oversize: bool,
}

impl Frame {
    /// The payload a route reads: the encapsulation header and the body, with the contract
    /// header in front when the link declared one.
    pub(crate) fn payload(&mut self, fingerprint: Option<[u8; HEADER_LEN]>) -> &[u8] {
        let end = BODY_AT + self.len;
        match fingerprint {
            Some(header) => {
                self.bytes[..HEADER_LEN].copy_from_slice(&header);
                &self.bytes[..end]
            }
            None => &self.bytes[HEADER_LEN..end],
        }
    }
}

/// The reader's adapter: copy the sample's bytes into a [`Frame`] (no heap).
pub struct FrameAdapter;

impl DeserializerAdapter<Frame> for FrameAdapter {
    type Error = Infallible;
    type Decoded = Frame;

    fn supported_encodings() -> &'static [RepresentationIdentifier] {
        // The cdr codec reads XCDR1 little-endian; rustdds refuses other encodings before
        // they reach us.
        &[RepresentationIdentifier::CDR_LE]
    }

    fn transform_decoded(decoded: Frame) -> Frame {
        decoded
    }
}

impl DefaultDecoder<Frame> for FrameAdapter {
    type Decoder = FrameDecoder;
    const DECODER: FrameDecoder = FrameDecoder;
}

/// See [`FrameAdapter`].
#[derive(Clone, Copy)]
pub struct FrameDecoder;

impl Decode<'_, Frame> for FrameDecoder {
    type Error = Infallible;

    fn decode_bytes(
        self,
        input: &[u8],
        encoding: RepresentationIdentifier,
    ) -> Result<Frame, Infallible> {
        let mut frame = Frame {
            bytes: [0; BODY_AT + MAX_BODY],
            len: 0,
            oversize: input.len() > MAX_BODY,
        };
        if !frame.oversize {
            let [a, b] = encoding.to_bytes();
            frame.bytes[HEADER_LEN..BODY_AT].copy_from_slice(&[a, b, 0, 0]);
            frame.bytes[BODY_AT..BODY_AT + input.len()].copy_from_slice(input);
            frame.len = input.len();
        }
        Ok(frame)
    }
}

/// The writer's adapter: the body is already CDR, handed over as is (`Bytes` is what
/// rustdds's writer API takes; it keeps the sample for resends).
pub struct BytesAdapter;

impl SerializerAdapter<Bytes> for BytesAdapter {
    type Error = Infallible;

    fn output_encoding() -> RepresentationIdentifier {
        RepresentationIdentifier::CDR_LE
    }

    fn to_bytes(value: &Bytes) -> Result<Bytes, Infallible> {
        // A reference count, not a copy.
        Ok(value.clone())
    }
}
