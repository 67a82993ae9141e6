//! The serial connector host to host, over a TCP loopback pair (what the host side of a
//! QEMU serial link runs over): values both ways in order, damaged input counted and
//! skipped, the queue kept across a reconnect, overflow and oversize counted.

use std::future::poll_fn;
use std::time::Duration;

use aimdb_connectors::cobs::{self, CobsDecoder};
use aimdb_connectors::serial::frame::{self, link_id, parse_frame};
use aimdb_connectors::serial::{RunEnd, SerialConnector, StreamEnd};
use aimdb_core::connector::{CodecError, Connector, InboundRoute, PublishError};
use aimdb_core::mutex::StdRawMutex;
use aimdb_core::{Consumer, RecordBuffer, SpmcRing};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

type Serial = SerialConnector<StdRawMutex, 32, 32>;
/// Larger than `VALUES`, so a reader cannot lag however the two cores are shared (with 4096
/// a loaded CI machine once starved the reader 183 values behind).
type Ring = SpmcRing<StdRawMutex, u32, 8192, 1>;

const VALUES: u32 = 5_000;
const WAIT: Duration = Duration::from_secs(20);

fn encode(value: u32) -> [u8; 4] {
    value.to_le_bytes()
}

fn decode(payload: &[u8]) -> Result<u32, CodecError> {
    let bytes: [u8; 4] = payload.try_into().map_err(|_| CodecError::Malformed)?;
    Ok(u32::from_le_bytes(bytes))
}

/// A connected pair of TCP streams on 127.0.0.1.
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap());
    let (client, accepted) = tokio::join!(client, listener.accept());
    let (client, (server, _)) = (client.unwrap(), accepted.unwrap());
    client.set_nodelay(true).unwrap();
    server.set_nodelay(true).unwrap();
    (client, server)
}

/// Publish `count` values the way a generated link task does: wait for room, then publish.
async fn publish_all(connector: &'static Serial, address: &'static str, count: u32) {
    for value in 0..count {
        poll_fn(|cx| connector.poll_ready(cx)).await;
        connector
            .publish(address, &encode(value))
            .expect("room was awaited");
    }
}

/// Receive `count` values and check they are 0, 1, 2, ... in order.
async fn expect_in_order(mut consumer: Consumer<'static, u32, Ring>, count: u32) {
    for expected in 0..count {
        let value = timeout(WAIT, consumer.recv())
            .await
            .unwrap_or_else(|_| panic!("value {expected} did not arrive"))
            .expect("the ring is large enough not to lag");
        assert_eq!(value, expected);
    }
}

static HOST_A: Serial = Serial::new();
static HOST_B: Serial = Serial::new();
static AT_A: Ring = Ring::new();
static AT_B: Ring = Ring::new();
static ROUTES_A: [InboundRoute; 1] = [InboundRoute {
    address: "plant/setpoint",
    deliver: |p| decode(p).map(|v| AT_A.produce(v)),
}];
static ROUTES_B: [InboundRoute; 1] = [InboundRoute {
    address: "plant/reading",
    deliver: |p| decode(p).map(|v| AT_B.produce(v)),
}];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_cross_both_ways_in_order() {
    HOST_A.attach(&ROUTES_A);
    HOST_B.attach(&ROUTES_B);
    let (a, b) = tcp_pair().await;
    let run_a = tokio::spawn(HOST_A.run_tokio(a));
    let run_b = tokio::spawn(HOST_B.run_tokio(b));
    // Subscribed before anything is published, so no value can be missed.
    let at_a = Consumer::subscribe(&AT_A).unwrap();
    let at_b = Consumer::subscribe(&AT_B).unwrap();
    let checks = tokio::spawn(async move {
        tokio::join!(expect_in_order(at_a, VALUES), expect_in_order(at_b, VALUES))
    });
    let started = std::time::Instant::now();
    tokio::join!(
        publish_all(&HOST_A, "plant/reading", VALUES),
        publish_all(&HOST_B, "plant/setpoint", VALUES),
    );
    checks.await.unwrap();
    let elapsed = started.elapsed();
    println!(
        "serial over TCP loopback: {VALUES} values each way in {elapsed:?} \
         ({:.0} values/s each way; 12 bytes on the wire per 4-byte value)",
        f64::from(VALUES) / elapsed.as_secs_f64()
    );

    let out = HOST_A.link_stats("plant/reading").unwrap();
    let back = HOST_A.link_stats("plant/setpoint").unwrap();
    assert_eq!((out.sent, out.dropped, back.received), (VALUES, 0, VALUES));
    let b = HOST_B.stats();
    assert_eq!((b.frames_received, b.malformed, b.unrouted), (VALUES, 0, 0));
    run_a.abort();
    run_b.abort();
}

static PROBE: Serial = Serial::new();
static AT_PROBE: Ring = Ring::new();
static PROBE_ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: "probe/in",
    deliver: |p| decode(p).map(|v| AT_PROBE.produce(v)),
}];

/// The wire bytes of `payload` on `address`, built by hand from the documented format.
fn wire_frame(address: &str, payload: &[u8]) -> Vec<u8> {
    let mut raw = [0u8; 64];
    let len = frame::write_frame(link_id(address), payload, &mut raw).unwrap();
    let mut out = vec![0; cobs::max_encoded_len(len)];
    let n = cobs::encode(&raw[..len], &mut out).unwrap();
    out.truncate(n);
    out.push(0);
    out
}

#[tokio::test]
async fn damaged_and_unknown_frames_are_counted_and_skipped() {
    PROBE.attach(&PROBE_ROUTES);
    let mut consumer = Consumer::subscribe(&AT_PROBE).unwrap();
    let (ours, mut raw) = tcp_pair().await;
    let run = tokio::spawn(PROBE.run_tokio(ours));

    let mut stream = wire_frame("probe/in", &encode(1));
    let mut damaged = wire_frame("probe/in", &encode(7));
    damaged[3] ^= 0x10; // still COBS-valid, fails the CRC
    stream.extend_from_slice(&damaged);
    let truncated = wire_frame("probe/in", &encode(8));
    stream.extend_from_slice(&truncated[..truncated.len() - 3]); // ends inside a block
    stream.push(0);
    stream.extend_from_slice(&wire_frame("probe/in", &[0x55; 40])); // > MAX_FRAME (32)
    stream.extend_from_slice(&wire_frame("probe/elsewhere", &encode(9))); // no route
    stream.extend_from_slice(&wire_frame("probe/in", b"abc")); // deserializer rejects
    stream.extend_from_slice(&[0x03, 0x01]); // too short to hold id and CRC
    stream.push(0);
    stream.extend_from_slice(&wire_frame("probe/in", &encode(2)));
    raw.write_all(&stream).await.unwrap();

    for expected in [1, 2] {
        let value = timeout(WAIT, consumer.recv()).await.unwrap().unwrap();
        assert_eq!(value, expected);
    }
    let stats = PROBE.stats();
    assert_eq!(stats.malformed, 3, "CRC, truncated, short: {stats:?}");
    assert_eq!(stats.oversize, 1, "{stats:?}");
    assert_eq!(stats.unrouted, 1, "{stats:?}");
    let link = PROBE.link_stats("probe/in").unwrap();
    assert_eq!((link.received, link.decode_errors), (2, 1), "{link:?}");

    // And what it sends is the documented format: a resync delimiter, then COBS frames.
    poll_fn(|cx| PROBE.poll_ready(cx)).await;
    PROBE.publish("probe/out", &encode(0xDEAD_BEEF)).unwrap();
    let mut decoder = CobsDecoder::<64>::new();
    let mut chunk = [0u8; 64];
    let frame = loop {
        let n = timeout(WAIT, raw.read(&mut chunk)).await.unwrap().unwrap();
        let mut input = &chunk[..n];
        if let Some(frame) = decoder.feed(&mut input) {
            break frame.unwrap().to_vec();
        }
    };
    assert_eq!(frame.len(), 4 + frame::FRAME_OVERHEAD);
    assert_eq!(
        parse_frame(&frame),
        Ok((link_id("probe/out"), &encode(0xDEAD_BEEF)[..]))
    );
    run.abort();
}

static RECONNECTING: Serial = Serial::new();

#[tokio::test]
async fn queued_frames_survive_a_closed_stream() {
    let (ours, theirs) = tcp_pair().await;
    drop(theirs);
    let end = timeout(WAIT, RECONNECTING.run_tokio(ours)).await.unwrap();
    // The peer closed: the read side sees end of stream, or the write side a reset.
    assert!(
        matches!(
            end,
            RunEnd::Read(StreamEnd::Closed)
                | RunEnd::Read(StreamEnd::Error(_))
                | RunEnd::Write(StreamEnd::Error(_))
        ),
        "{end:?}"
    );
    for value in 0..3 {
        RECONNECTING.publish("r/out", &encode(value)).unwrap();
    }
    let (ours, mut theirs) = tcp_pair().await;
    let run = tokio::spawn(RECONNECTING.run_tokio(ours));
    let mut decoder = CobsDecoder::<64>::new();
    let mut got = Vec::new();
    let mut chunk = [0u8; 64];
    while got.len() < 3 {
        let n = timeout(WAIT, theirs.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        let mut input = &chunk[..n];
        while let Some(frame) = decoder.feed(&mut input) {
            let (_, payload) = parse_frame(frame.unwrap()).unwrap();
            got.push(decode(payload).unwrap());
        }
    }
    assert_eq!(got, [0, 1, 2]);
    let stats = RECONNECTING.stats();
    assert_eq!((stats.runs, stats.stream_errors), (2, 1));
    run.abort();
}

#[test]
fn overflow_oversize_and_collisions_are_counted() {
    static SMALL: SerialConnector<StdRawMutex, 4, 16, 2> = SerialConnector::new();
    static ROUTES: [InboundRoute; 3] = [
        InboundRoute {
            address: "x",
            deliver: |_| Ok(()),
        },
        InboundRoute {
            address: "x",
            deliver: |_| Ok(()),
        },
        InboundRoute {
            address: "y",
            deliver: |_| Ok(()),
        },
    ];
    for _ in 0..4 {
        assert_eq!(SMALL.publish("a", &[1; 10]), Ok(()));
    }
    assert_eq!(SMALL.publish("a", &[1; 10]), Err(PublishError::Full));
    assert_eq!(SMALL.publish("a", &[1; 11]), Err(PublishError::Oversize));
    let link = SMALL.link_stats("a").unwrap();
    assert_eq!((link.dropped, link.oversize), (1, 1));
    // "x" takes the second slot; the repeated "x" collides; "y" finds the table full.
    SMALL.attach(&ROUTES);
    assert_eq!(SMALL.stats().invalid_links, 2);
    assert_eq!(SMALL.stats().queued, 4);
    assert_eq!(Serial::MAX_PAYLOAD, 26);
}
