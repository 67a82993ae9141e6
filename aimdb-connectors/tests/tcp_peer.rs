//! The `tcp://` connector against a peer that shares no code with it: plain blocking std
//! sockets framing values with the test's own COBS, CRC-16 and FNV-1a (`support/peer.rs`).
//! Only 127.0.0.1, on ports the OS picks; every wait is bounded.
//!
//! - dialing: values reach the peer bit-exact and in order, the peer's frames reach the
//!   record, a damaged frame is counted and skipped on a connection that stays up, and
//!   when the peer closes and stops listening the connector notices, retries with backoff
//!   and resumes both ways once the peer listens again;
//! - listening: a `SingleLatest` link queued while no peer is connected sends only its
//!   latest value, and a peer that reconnects is served at once on its new connection;
//! - links naming another endpoint are refused and counted.

#[path = "support/framed.rs"]
mod framed;
#[path = "support/peer.rs"]
mod peer;

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use aimdb_connectors::tcp::{Backoff, TcpConnector};
use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{Connector, InboundRoute, PublishError};
use aimdb_core::mutex::StdRawMutex;
use aimdb_core::{Consumer, RecordBuffer};
use framed::{
    Ring, WAIT, assert_damage_skipped, decode, exchange, good_damaged_good, leak, publish, recv,
    until,
};
use peer::{PEER_WAIT, frame, payload};
use tokio::task::spawn_blocking;
use tokio::time::timeout;

type Tcp = TcpConnector<StdRawMutex, 32, 64>;

const VALUES: u32 = 2_000;
const BACKOFF: Backoff = Backoff {
    min: Duration::from_millis(50),
    max: Duration::from_millis(400),
};

static DIALER: Tcp = Tcp::new();
static AT_DIALER: Ring = Ring::new();

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dialing_node_exchanges_frames_and_comes_back_after_the_peer_goes_away() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let reading = leak(format!("127.0.0.1:{port}/plant/reading"));
    let setpoint = leak(format!("127.0.0.1:{port}/plant/setpoint"));
    let routes = Box::leak(Box::new([InboundRoute {
        address: setpoint,
        deliver: |p| decode(p).map(|v| AT_DIALER.produce(v)),
    }]));
    DIALER.register_outbound(reading, BufferKind::SpmcRing { capacity: 64 });
    DIALER.attach(routes);
    assert_eq!(DIALER.endpoint(), Some(leak(format!("127.0.0.1:{port}"))));
    let mut at = Consumer::subscribe(&AT_DIALER).unwrap();
    tokio::spawn(DIALER.dial(BACKOFF));

    // The peer takes the connection, reads every value, then writes three frames back:
    // good, damaged, good.
    let started = Instant::now();
    let peer = spawn_blocking(move || {
        let (stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(PEER_WAIT)).unwrap();
        let back = good_damaged_good("plant/setpoint");
        let reader = exchange(stream, "plant/reading", 0..VALUES, &back);
        (listener, reader)
    });
    publish(&DIALER, reading, 0..VALUES).await;
    let (listener, reader) = timeout(WAIT, peer).await.unwrap().unwrap();
    println!(
        "tcp:// dialing: {VALUES} values of 12 bytes at the peer, bit-exact and in order, in {:?}",
        started.elapsed()
    );
    assert_eq!((recv(&mut at).await, recv(&mut at).await), (1, 2));
    assert_damage_skipped(DIALER.stats(), VALUES);
    let link = DIALER.link_stats(reading).unwrap();
    assert_eq!((link.sent, link.dropped), (VALUES, 0));

    // The peer closes and stops listening: the connector notices, and its dials are
    // refused and retried with backoff.
    drop((reader, listener));
    let gone = Instant::now();
    until("refused dials", || DIALER.stats().connect_errors >= 2).await;
    assert_eq!(DIALER.stats().stream_errors, 1);
    // Published while no stream is up: kept in the queue.
    publish(&DIALER, reading, VALUES..VALUES + 10).await;
    assert_eq!(DIALER.stats().queued, 10);

    let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
    let peer = spawn_blocking(move || {
        let (stream, _) = listener.accept().unwrap();
        let back = gone.elapsed();
        stream.set_read_timeout(Some(PEER_WAIT)).unwrap();
        let reader = exchange(
            stream,
            "plant/reading",
            VALUES..VALUES + 10,
            &frame("plant/setpoint", &payload(3)),
        );
        (back, reader)
    });
    let (back, _reader) = timeout(WAIT, peer).await.unwrap().unwrap();
    assert_eq!(recv(&mut at).await, 3, "the inbound link resumes");
    let stats = DIALER.stats();
    println!(
        "tcp:// dialing: back {back:?} after the peer went away, after {} refused dials",
        stats.connect_errors
    );
    assert_eq!((stats.runs, stats.queued), (2, 0), "{stats:?}");
    // 50 ms doubling to 400 ms: the connector kept trying at least every 400 ms.
    assert!(back < Duration::from_secs(3), "{back:?}");
}

static SERVER: Tcp = Tcp::new();
static AT_SERVER: Ring = Ring::new();

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listening_node_sends_the_latest_value_and_follows_a_reconnecting_peer() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let state = leak(format!("127.0.0.1:{port}/plant/state"));
    let command = leak(format!("127.0.0.1:{port}/plant/command"));
    let routes = Box::leak(Box::new([InboundRoute {
        address: command,
        deliver: |p| decode(p).map(|v| AT_SERVER.produce(v)),
    }]));
    SERVER.register_outbound(state, BufferKind::SingleLatest);
    SERVER.attach(routes);
    let mut at = Consumer::subscribe(&AT_SERVER).unwrap();
    // No peer yet: a SingleLatest link keeps only its newest value queued.
    for value in 0..10 {
        SERVER.publish(state, &payload(value)).unwrap();
    }
    let link = SERVER.link_stats(state).unwrap();
    assert_eq!((SERVER.stats().queued, link.dropped), (1, 9));
    tokio::spawn(async { SERVER.serve_on(listener).await });

    let first = spawn_blocking(move || {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(PEER_WAIT)).unwrap();
        exchange(
            stream,
            "plant/state",
            9..10,
            &frame("plant/command", &payload(7)),
        )
    });
    let mut first = timeout(WAIT, first).await.unwrap().unwrap();
    assert_eq!(recv(&mut at).await, 7);

    // The peer reconnects without closing its first connection (as after a crash the
    // server did not see): the server switches to the new one.
    let second = spawn_blocking(move || {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(PEER_WAIT)).unwrap();
        stream
    });
    let second = timeout(WAIT, second).await.unwrap().unwrap();
    until("the second connection", || SERVER.stats().runs == 2).await;
    SERVER.publish(state, &payload(10)).unwrap();
    let peer = spawn_blocking(move || {
        let reader = exchange(
            second,
            "plant/state",
            10..11,
            &frame("plant/command", &payload(8)),
        );
        // The first connection was closed by the server.
        let old = first.next().unwrap_err().kind();
        (reader, old)
    });
    let (_second, old) = timeout(WAIT, peer).await.unwrap().unwrap();
    assert_eq!(old, std::io::ErrorKind::UnexpectedEof);
    assert_eq!(recv(&mut at).await, 8);
    let stats = SERVER.stats();
    assert_eq!(
        (stats.runs, stats.stream_errors, stats.malformed),
        (2, 1, 0)
    );
}

#[test]
fn links_naming_another_endpoint_are_refused_and_counted() {
    static ONE: TcpConnector<StdRawMutex, 4, 32> = TcpConnector::new();
    ONE.register_outbound("127.0.0.1:7001/a", BufferKind::SingleLatest);
    ONE.register_outbound("127.0.0.1:7002/b", BufferKind::SingleLatest);
    assert_eq!(
        ONE.publish("127.0.0.1:7002/b", &[1]),
        Err(PublishError::NoRoute)
    );
    assert_eq!(ONE.publish("no-port/b", &[1]), Err(PublishError::NoRoute));
    assert_eq!(ONE.publish("127.0.0.1:7001/a", &[1]), Ok(()));
    assert_eq!(ONE.stats().invalid_links, 3);
    assert_eq!(ONE.endpoint(), Some("127.0.0.1:7001"));
}
