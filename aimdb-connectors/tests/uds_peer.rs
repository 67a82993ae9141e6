//! The `uds://` connector against a peer that shares no code with it: plain blocking std
//! Unix sockets framing values with the test's own COBS, CRC-16 and FNV-1a
//! (`support/peer.rs`). Sockets live in a fresh directory under the system's temp dir;
//! every wait is bounded.
//!
//! - listening: a stale socket file (its listener died) is replaced, a live listener's is
//!   not; values cross both ways bit-exact and in order, a damaged frame is counted and
//!   skipped on a connection that stays up;
//! - dialing: a stale socket file is refused and retried with backoff until the peer
//!   listens again, and the links resume.

#[path = "support/framed.rs"]
mod framed;
#[path = "support/peer.rs"]
mod peer;

use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aimdb_connectors::uds::{Backoff, UdsConnector};
use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{Connector, InboundRoute};
use aimdb_core::mutex::StdRawMutex;
use aimdb_core::{Consumer, RecordBuffer};
use framed::{
    Ring, WAIT, assert_damage_skipped, decode, exchange, good_damaged_good, leak, publish, recv,
    until,
};
use peer::{PEER_WAIT, frame, payload};
use tokio::task::spawn_blocking;
use tokio::time::timeout;

type Uds = UdsConnector<StdRawMutex, 32, 64>;

const VALUES: u32 = 1_000;

/// A fresh directory for one test's socket.
fn socket_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aimdb-uds-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

static SERVER: Uds = Uds::new();
static AT_SERVER: Ring = Ring::new();

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listening_node_replaces_a_stale_socket_and_exchanges_frames() {
    let dir = socket_dir("serve");
    let socket = dir.join("plant.sock");
    // A listener that died without removing its socket file.
    drop(UnixListener::bind(&socket).unwrap());
    assert!(socket.exists());
    let path = socket.to_str().unwrap();
    let reading = leak(format!("{path}#plant/reading"));
    let setpoint = leak(format!("{path}#plant/setpoint"));
    let routes = Box::leak(Box::new([InboundRoute {
        address: setpoint,
        deliver: |p| decode(p).map(|v| AT_SERVER.produce(v)),
    }]));
    SERVER.register_outbound(reading, BufferKind::SpmcRing { capacity: 64 });
    SERVER.attach(routes);
    let mut at = Consumer::subscribe(&AT_SERVER).unwrap();
    let serving = tokio::spawn(async { SERVER.serve().await });

    let peer_socket = socket.clone();
    let peer = spawn_blocking(move || {
        // Bounded retries while the server binds.
        let started = Instant::now();
        let stream = loop {
            match UnixStream::connect(&peer_socket) {
                Ok(stream) => break stream,
                Err(e) if started.elapsed() < PEER_WAIT => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("the server never listened: {e}"),
            }
        };
        stream.set_read_timeout(Some(PEER_WAIT)).unwrap();
        let back = good_damaged_good("plant/setpoint");
        exchange(stream, "plant/reading", 0..VALUES, &back)
    });
    publish(&SERVER, reading, 0..VALUES).await;
    let _reader = timeout(WAIT, peer).await.unwrap().unwrap();
    assert_eq!((recv(&mut at).await, recv(&mut at).await), (1, 2));
    assert_damage_skipped(SERVER.stats(), VALUES);

    // A second server on the live socket leaves it alone.
    static SECOND: Uds = Uds::new();
    SECOND.register_outbound(reading, BufferKind::SingleLatest);
    let refused = timeout(WAIT, SECOND.serve()).await.unwrap();
    assert_eq!(refused.kind(), std::io::ErrorKind::AddrInUse);
    assert!(!serving.is_finished());
    assert!(UnixStream::connect(&socket).is_ok(), "still served");
    serving.abort();
    let _ = std::fs::remove_dir_all(dir);
}

static DIALER: Uds = Uds::new();
static AT_DIALER: Ring = Ring::new();

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dialing_node_retries_a_stale_socket_until_the_peer_listens_again() {
    let dir = socket_dir("dial");
    let socket = dir.join("plant.sock");
    let path = socket.to_str().unwrap();
    let reading = leak(format!("{path}#plant/reading"));
    let setpoint = leak(format!("{path}#plant/setpoint"));
    let routes = Box::leak(Box::new([InboundRoute {
        address: setpoint,
        deliver: |p| decode(p).map(|v| AT_DIALER.produce(v)),
    }]));
    DIALER.register_outbound(reading, BufferKind::SpmcRing { capacity: 64 });
    DIALER.attach(routes);
    let mut at = Consumer::subscribe(&AT_DIALER).unwrap();

    // The peer's first life: it serves, then dies, leaving its socket file behind.
    let listener = UnixListener::bind(&socket).unwrap();
    tokio::spawn(DIALER.dial(Backoff {
        min: Duration::from_millis(50),
        max: Duration::from_millis(400),
    }));
    let peer = spawn_blocking(move || {
        let (stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(PEER_WAIT)).unwrap();
        let reader = exchange(
            stream,
            "plant/reading",
            0..5,
            &frame("plant/setpoint", &payload(1)),
        );
        (listener, reader)
    });
    publish(&DIALER, reading, 0..5).await;
    let (listener, reader) = timeout(WAIT, peer).await.unwrap().unwrap();
    assert_eq!(recv(&mut at).await, 1);
    drop((reader, listener));
    assert!(socket.exists(), "the stale socket file stays");
    let gone = Instant::now();
    until("refused dials", || DIALER.stats().connect_errors >= 2).await;
    publish(&DIALER, reading, 5..10).await;

    // The peer's second life: it replaces the stale file and listens again.
    std::fs::remove_file(&socket).unwrap();
    let listener = UnixListener::bind(&socket).unwrap();
    let peer = spawn_blocking(move || {
        let (stream, _) = listener.accept().unwrap();
        let back = gone.elapsed();
        stream.set_read_timeout(Some(PEER_WAIT)).unwrap();
        let reader = exchange(
            stream,
            "plant/reading",
            5..10,
            &frame("plant/setpoint", &payload(2)),
        );
        (back, reader)
    });
    let (back, _reader) = timeout(WAIT, peer).await.unwrap().unwrap();
    assert_eq!(recv(&mut at).await, 2, "the inbound link resumes");
    let stats = DIALER.stats();
    println!(
        "uds:// dialing: back {back:?} after the peer died, after {} refused dials",
        stats.connect_errors
    );
    assert_eq!(
        (stats.runs, stats.stream_errors, stats.queued),
        (2, 1, 0),
        "{stats:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
