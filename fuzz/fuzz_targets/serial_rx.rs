//! The serial connector's receive path (`SerialConnector::run_rx`) on an arbitrary byte
//! stream, read in chunks of any size: COBS decoding, the frame check (length, CRC), routing
//! by link id and the payload codecs. It must never panic, and its counters must add up.
//!
//! The first byte picks the chunk size and the mode: raw bytes as they might arrive on a
//! noisy UART, or well-formed frames built from the input (so routes and codecs are
//! reached without guessing CRCs), where every frame must be counted exactly as expected.
#![no_main]

use core::convert::Infallible;
use core::sync::atomic::{AtomicU32, Ordering};

use aimdb_connectors::cobs;
use aimdb_connectors::serial::{SerialConnector, StreamEnd, frame, link_id};
use aimdb_core::connector::{CodecError, Connector, InboundRoute};
use aimdb_core::mutex::StdRawMutex;
use climate_model::{SetpointRequest, Temperature};
use libfuzzer_sys::fuzz_target;

/// Frames up to 32 bytes (payloads up to 26): a `Temperature` (16 bytes) fits, longer
/// fuzzed payloads are oversize.
const MAX_FRAME: usize = 32;

static READINGS: AtomicU32 = AtomicU32::new(0);
static REQUESTS: AtomicU32 = AtomicU32::new(0);

fn reading(bytes: &[u8]) -> Result<(), CodecError> {
    Temperature::from_bytes(bytes)?;
    READINGS.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

fn request(bytes: &[u8]) -> Result<(), CodecError> {
    SetpointRequest::from_bytes(bytes)?;
    REQUESTS.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

const ADDRESSES: [&str; 3] = [
    "climate/zone-a/reading",
    "setpoint/request/operator-a",
    "nobody/listens",
];

static ROUTES: [InboundRoute; 2] = [
    InboundRoute {
        address: ADDRESSES[0],
        deliver: reading,
    },
    InboundRoute {
        address: ADDRESSES[1],
        deliver: request,
    },
];

/// A stream that hands out `data` `chunk` bytes at a time, then reports end of stream.
struct Stream<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl embedded_io_async::ErrorType for Stream<'_> {
    type Error = Infallible;
}

impl embedded_io_async::Read for Stream<'_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Well-formed frames from `data`: pieces split at `0xFE`, each piece's first byte picks
/// the address, the rest is the payload. Returns the wire bytes and the expected counts.
fn frames(data: &[u8]) -> (Vec<u8>, Expected) {
    let mut wire = Vec::new();
    let mut expected = Expected::default();
    for piece in data.split(|&b| b == 0xFE) {
        let Some((&pick, payload)) = piece.split_first() else {
            continue;
        };
        let address = ADDRESSES[usize::from(pick) % ADDRESSES.len()];
        let mut plain = [0u8; 512];
        let Some(len) = frame::write_frame(link_id(address), payload, &mut plain) else {
            continue;
        };
        let mut encoded = [0u8; cobs::max_encoded_len(512)];
        let n = cobs::encode(&plain[..len], &mut encoded).unwrap();
        wire.extend_from_slice(&encoded[..n]);
        wire.push(cobs::DELIMITER);
        if len > MAX_FRAME {
            expected.oversize += 1;
            continue;
        }
        expected.frames += 1;
        match pick % 3 {
            0 if payload.len() == 16 => expected.readings += 1,
            1 if payload.len() == 4 => expected.requests += 1,
            0 | 1 => expected.decode_errors += 1,
            _ => expected.unrouted += 1,
        }
    }
    (wire, expected)
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    frames: u32,
    oversize: u32,
    readings: u32,
    requests: u32,
    decode_errors: u32,
    unrouted: u32,
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(mode & 0x3F) + 1;
    let connector: SerialConnector<StdRawMutex, 2, MAX_FRAME, 4> = SerialConnector::new();
    connector.attach(&ROUTES);
    let (readings, requests) = (
        READINGS.load(Ordering::Relaxed),
        REQUESTS.load(Ordering::Relaxed),
    );

    let (wire, expected) = if mode & 0x80 != 0 {
        let (wire, expected) = frames(data);
        (wire, Some(expected))
    } else {
        (data.to_vec(), None)
    };
    let stream = Stream { data: &wire, chunk };
    let end = embassy_futures::block_on(connector.run_rx(stream));
    assert_eq!(end, StreamEnd::Closed);

    let stats = connector.stats();
    let links = [ADDRESSES[0], ADDRESSES[1]].map(|a| connector.link_stats(a).expect("attached"));
    let readings = READINGS.load(Ordering::Relaxed) - readings;
    let requests = REQUESTS.load(Ordering::Relaxed) - requests;
    assert_eq!(stats.invalid_links, 0);
    assert_eq!((links[0].received, links[1].received), (readings, requests));
    let routed: u32 = links
        .iter()
        .map(|l| l.received + l.decode_errors + l.oversize)
        .sum();
    assert_eq!(
        stats.frames_received,
        routed + stats.unrouted,
        "{stats:?} {links:?}"
    );
    if let Some(expected) = expected {
        let got = Expected {
            frames: stats.frames_received,
            oversize: stats.oversize,
            readings,
            requests,
            decode_errors: links[0].decode_errors + links[1].decode_errors,
            unrouted: stats.unrouted,
        };
        assert_eq!(got, expected);
        assert_eq!(stats.malformed, 0);
    }
});
