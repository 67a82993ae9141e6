//! The side of the framed connectors' tests that runs in the node: a record the peer's
//! frames arrive in, the way generated link tasks publish, and bounded waits.

#![allow(dead_code)] // each test binary uses its own part

use std::future::poll_fn;
use std::io::{Read, Write};
use std::ops::Range;
use std::time::{Duration, Instant};

use aimdb_core::connector::{CodecError, Connector};
use aimdb_core::mutex::StdRawMutex;
use aimdb_core::{Consumer, SpmcRing};

use aimdb_connectors::kit::FramedStats;

use super::peer::{FrameReader, damaged_frame, fnv1a, frame, payload};

/// The record the peer's values arrive in.
pub type Ring = SpmcRing<StdRawMutex, u32, 64, 1>;

/// The longest any step of a test may take.
pub const WAIT: Duration = Duration::from_secs(15);

/// A link address built at run time (it names a port or a path the test chose), for
/// `InboundRoute` and `register_outbound`, which take `'static` ones.
pub fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// The deserializer of [`payload`]: the value, if the bytes are exactly its payload.
pub fn decode(bytes: &[u8]) -> Result<u32, CodecError> {
    let bytes: [u8; 12] = bytes.try_into().map_err(|_| CodecError::Malformed)?;
    let value = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if payload(value) != bytes {
        return Err(CodecError::Malformed);
    }
    Ok(value)
}

/// Publish `values` the way a generated link task does: wait for room, then publish.
pub async fn publish(connector: &'static dyn Connector, address: &'static str, values: Range<u32>) {
    for value in values {
        poll_fn(|cx| connector.poll_ready(cx)).await;
        connector.publish(address, &payload(value)).unwrap();
    }
}

/// Read `values` at the peer, checking each frame's link and bytes.
pub fn expect_frames<R: Read>(reader: &mut FrameReader<R>, link: &str, values: Range<u32>) {
    for value in values {
        let (id, bytes) = reader
            .next()
            .unwrap_or_else(|e| panic!("value {value}: {e}"));
        assert_eq!((id, bytes.as_slice()), (fnv1a(link), &payload(value)[..]));
    }
}

/// At the peer: read `values` on `link` from `stream`, then write `reply` (wire bytes);
/// returns the reader for what comes next.
pub fn exchange<S: Read + Write>(
    stream: S,
    link: &str,
    values: Range<u32>,
    reply: &[u8],
) -> FrameReader<S> {
    let mut reader = FrameReader::new(stream);
    expect_frames(&mut reader, link, values);
    reader.get_mut().write_all(reply).unwrap();
    reader
}

/// The next value the peer sent.
pub async fn recv(consumer: &mut Consumer<'static, u32, Ring>) -> u32 {
    tokio::time::timeout(WAIT, consumer.recv())
        .await
        .expect("a value from the peer")
        .expect("no lag")
}

/// Wait until `done` holds, polling; fails the test after [`WAIT`].
pub async fn until(what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < WAIT, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The peer's answer in the damage check: values 1, 666 damaged (its CRC fails) and 2 on
/// `link`, in one write.
pub fn good_damaged_good(link: &str) -> Vec<u8> {
    let mut wire = frame(link, &payload(1));
    wire.extend(damaged_frame(link, &payload(666)));
    wire.extend(frame(link, &payload(2)));
    wire
}

/// After the damage check on a fresh connector: `sent` frames out, two good frames in and
/// the damaged one counted as malformed, all on the first connection (it stayed up).
pub fn assert_damage_skipped(stats: FramedStats, sent: u32) {
    let figures = (stats.runs, stats.malformed, stats.frames_received);
    assert_eq!((figures, stats.frames_sent), ((1, 1, 2), sent), "{stats:?}");
}
