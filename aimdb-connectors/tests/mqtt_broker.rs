//! The host MQTT connector against a real mosquitto. Every test starts its own broker on a
//! free 127.0.0.1 port and kills it at the end; a missing mosquitto fails the test with the
//! command that installs it.
//!
//! Values are `u64`s carried as ASCII decimal, so `mosquitto_pub -m 42` is a good value.

#[path = "support/broker.rs"]
mod broker;
#[path = "support/glue.rs"]
mod glue;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use aimdb_connectors::mqtt::{MqttConfig, MqttConnector};
use aimdb_core::connector::{CodecError, Connector, InboundRoute};
use aimdb_core::mutex::StdRawMutex;
use aimdb_core::{Consumer, Producer, RecvError, SpmcRing, TryRecvError};
use broker::{Broker, mosquitto_pub};
use glue::{link_to, wait_until};

fn to_decimal(value: &u64, out: &mut [u8]) -> Result<usize, CodecError> {
    use std::io::Write;
    let mut cursor = std::io::Cursor::new(out);
    write!(cursor, "{value}").map_err(|_| CodecError::Oversize)?;
    Ok(cursor.position() as usize)
}

fn from_decimal(payload: &[u8]) -> Result<u64, CodecError> {
    std::str::from_utf8(payload)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or(CodecError::Malformed)
}

fn config(port: u16, client_id: &str) -> MqttConfig {
    let mut config = MqttConfig::new("127.0.0.1", port, client_id);
    config.backoff.max = Duration::from_millis(500);
    config
}

/// Receive with a deadline; lost values (a lagging reader) fail the test.
async fn next_value<B: aimdb_core::RecordBuffer<u64>>(
    consumer: &mut Consumer<'static, u64, B>,
    limit: Duration,
) -> Option<u64> {
    match tokio::time::timeout(limit, consumer.recv()).await {
        Ok(Ok(value)) => Some(value),
        Ok(Err(RecvError::Lagged(n))) => panic!("the inbound record lagged: {n} values lost"),
        Err(_) => None,
    }
}

// ---- round trip between two processes -------------------------------------------------

const ROUND_TRIP: &str = "aimdb/test/round-trip?qos=1";
const ROUND_TRIP_VALUES: u64 = 10_000;
const PEER_PORT: &str = "AIMDB_MQTT_PEER_PORT";

static RT_OUT: SpmcRing<StdRawMutex, u64, 16384, 1> = SpmcRing::new();
static RT_IN: SpmcRing<StdRawMutex, u64, 16384, 1> = SpmcRing::new();

fn rt_deliver(payload: &[u8]) -> Result<(), CodecError> {
    Producer::new(&RT_IN).produce(from_decimal(payload)?);
    Ok(())
}

static RT_ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: ROUND_TRIP,
    deliver: rt_deliver,
}];

/// A `link_to` record here reaches a `link_from` record in a second process (this test
/// binary run again as `round_trip_peer`): 10,000 values at QoS 1, none lost, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_between_processes() {
    let broker = Broker::start();
    let peer = Command::new(std::env::current_exe().unwrap())
        .args(["round_trip_peer", "--exact", "--ignored", "--nocapture"])
        .env(PEER_PORT, broker.port.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the peer process");
    let mut peer = KillOnDrop(peer);
    let (lines_tx, lines) = std::sync::mpsc::channel();
    let stdout = peer.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let wait_for = |prefix: &str, limit: Duration| loop {
        match lines.recv_timeout(limit) {
            Ok(line) if line.starts_with(prefix) => return line,
            Ok(_) => continue,
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the peer exited before printing `{prefix}` (its output is above)")
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!("the peer printed no `{prefix}` line within {limit:?}")
            }
        }
    };
    wait_for("READY", Duration::from_secs(15));

    let mqtt = MqttConnector::start(config(broker.port, "rt-producer")).unwrap();
    let consumer = Consumer::subscribe(&RT_OUT).unwrap();
    tokio::spawn(link_to(consumer, to_decimal, mqtt, ROUND_TRIP));
    let producer = Producer::new(&RT_OUT);
    for value in 0..ROUND_TRIP_VALUES {
        producer.produce(value);
    }

    let done = wait_for("RECEIVED", Duration::from_secs(30));
    let status = peer.0.wait().unwrap();
    assert!(status.success(), "the peer failed: {status}");
    assert_eq!(done, format!("RECEIVED {ROUND_TRIP_VALUES} IN ORDER"));
    let stats = mqtt.link_stats(ROUND_TRIP).unwrap();
    assert_eq!((stats.sent, stats.dropped), (ROUND_TRIP_VALUES, 0));
    assert!(mqtt.is_running());
}

/// Kills the peer process if the test fails before it exits.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The receiving half of `round_trip_between_processes`, run in a child process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "child process of round_trip_between_processes"]
async fn round_trip_peer() {
    let port: u16 = std::env::var(PEER_PORT)
        .expect("run by round_trip_between_processes")
        .parse()
        .unwrap();
    let mqtt = MqttConnector::start(config(port, "rt-peer")).unwrap();
    let mut consumer = Consumer::subscribe(&RT_IN).unwrap();
    mqtt.attach(&RT_ROUTES);
    wait_until("subscribed", Duration::from_secs(10), || {
        mqtt.stats().subscribe_acks >= 1
    })
    .await;
    println!("READY");
    for expected in 0..ROUND_TRIP_VALUES {
        let got = next_value(&mut consumer, Duration::from_secs(20)).await;
        assert_eq!(got, Some(expected), "value {expected} lost or out of order");
    }
    // The counter is bumped just after the value lands in the record, so wait for it.
    wait_until("all values counted", Duration::from_secs(5), || {
        mqtt.link_stats(ROUND_TRIP).unwrap().received == ROUND_TRIP_VALUES
    })
    .await;
    println!("RECEIVED {ROUND_TRIP_VALUES} IN ORDER");
}

// ---- fault: the broker dies mid-stream --------------------------------------------------

const FAULT: &str = "aimdb/test/fault?qos=1";
static FAULT_OUT: SpmcRing<StdRawMutex, u64, 8192, 1> = SpmcRing::new();
static FAULT_IN: SpmcRing<StdRawMutex, u64, 8192, 1> = SpmcRing::new();

fn fault_deliver(payload: &[u8]) -> Result<(), CodecError> {
    Producer::new(&FAULT_IN).produce(from_decimal(payload)?);
    Ok(())
}

static FAULT_ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: FAULT,
    deliver: fault_deliver,
}];

/// Kill the broker in the middle of a stream and start it again on the same port: both
/// connectors reconnect and re-subscribe by themselves, the stream resumes, the counters
/// show the reconnect, and at QoS 1 every value produced after the reconnect arrives, in
/// order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broker_restart_mid_stream() {
    let mut broker = Broker::start();
    let sender = MqttConnector::start(config(broker.port, "fault-sender")).unwrap();
    let receiver = MqttConnector::start(config(broker.port, "fault-receiver")).unwrap();
    let mut inbox = Consumer::subscribe(&FAULT_IN).unwrap();
    receiver.attach(&FAULT_ROUTES);
    wait_until("subscribed", Duration::from_secs(10), || {
        receiver.stats().subscribe_acks >= 1
    })
    .await;
    let outbox = Consumer::subscribe(&FAULT_OUT).unwrap();
    tokio::spawn(link_to(outbox, to_decimal, sender, FAULT));

    // One value per millisecond until told to stop; `NEXT` is the next value produced.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static STOP: AtomicBool = AtomicBool::new(false);
    let source = tokio::spawn(async {
        let producer = Producer::new(&FAULT_OUT);
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        while !STOP.load(Ordering::SeqCst) {
            tick.tick().await;
            producer.produce(NEXT.fetch_add(1, Ordering::SeqCst));
        }
    });

    let mut received = Vec::new();
    while received.len() < 300 {
        let value = next_value(&mut inbox, Duration::from_secs(10)).await;
        received.push(value.expect("the stream did not start"));
    }
    broker.kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!sender.stats().connected && !receiver.stats().connected);
    broker.restart();
    wait_until(
        "both reconnected and re-subscribed",
        Duration::from_secs(10),
        || {
            sender.stats().reconnects >= 1
                && receiver.stats().reconnects >= 1
                && receiver.stats().subscribe_acks >= 2
        },
    )
    .await;
    let mark = NEXT.load(Ordering::SeqCst);
    wait_until("500 more values", Duration::from_secs(10), || {
        NEXT.load(Ordering::SeqCst) >= mark + 500
    })
    .await;
    STOP.store(true, Ordering::SeqCst);
    source.await.unwrap();
    let last = NEXT.load(Ordering::SeqCst) - 1;

    loop {
        match next_value(&mut inbox, Duration::from_secs(10)).await {
            Some(value) => {
                received.push(value);
                if value == last {
                    break;
                }
            }
            None => panic!("value {last} never arrived after the restart"),
        }
    }
    let after: Vec<u64> = received.iter().copied().filter(|&v| v >= mark).collect();
    let expected: Vec<u64> = (mark..=last).collect();
    assert_eq!(
        after, expected,
        "values produced after the reconnect were lost or reordered"
    );
    assert!(sender.is_running() && receiver.is_running());
    assert_eq!(sender.stats().reconnects, 1);
    assert_eq!(receiver.link_stats(FAULT).unwrap().decode_errors, 0);
    // Before the mark, QoS 1 is at least once: replayed values may arrive twice, and values
    // the sender published before the receiver re-subscribed are gone (no session).
    let before: std::collections::BTreeSet<u64> =
        received.iter().copied().filter(|&v| v < mark).collect();
    let duplicates = received.iter().filter(|&&v| v < mark).count() - before.len();
    let lost = mark as usize - before.len();
    eprintln!(
        "fault: {} values; before the re-subscription {lost} did not arrive and {duplicates} \
         arrived twice; sender {:?}; receiver {:?}",
        last + 1,
        sender.stats(),
        receiver.stats()
    );
}

// ---- bad input --------------------------------------------------------------------------

const BAD: &str = "aimdb/test/bad-input";
static BAD_IN: SpmcRing<StdRawMutex, u64, 16, 1> = SpmcRing::new();

fn bad_deliver(payload: &[u8]) -> Result<(), CodecError> {
    Producer::new(&BAD_IN).produce(from_decimal(payload)?);
    Ok(())
}

static BAD_ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: BAD,
    deliver: bad_deliver,
}];

/// A malformed and an oversize payload from `mosquitto_pub` are counted and skipped; the
/// next good value is delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversize_payloads_are_counted_and_skipped() {
    let broker = Broker::start();
    let mut config = config(broker.port, "bad-input");
    config.max_payload = 32;
    let mqtt = MqttConnector::start(config).unwrap();
    let mut inbox = Consumer::subscribe(&BAD_IN).unwrap();
    mqtt.attach(&BAD_ROUTES);
    wait_until("subscribed", Duration::from_secs(10), || {
        mqtt.stats().subscribe_acks >= 1
    })
    .await;

    mosquitto_pub(broker.port, BAD, "not a number");
    mosquitto_pub(broker.port, BAD, &"7".repeat(100));
    mosquitto_pub(broker.port, BAD, "42");

    let got = next_value(&mut inbox, Duration::from_secs(10)).await;
    assert_eq!(got, Some(42));
    assert_eq!(inbox.try_recv(), Err(TryRecvError::Empty));
    wait_until("the good value counted", Duration::from_secs(5), || {
        mqtt.link_stats(BAD).unwrap().received == 1
    })
    .await;
    let stats = mqtt.link_stats(BAD).unwrap();
    assert_eq!(
        (stats.received, stats.decode_errors, stats.oversize),
        (1, 1, 1)
    );
    assert!(mqtt.is_running() && mqtt.stats().connected);
    assert_eq!(mqtt.stats().reconnects, 0);
}

// ---- retained values for SingleLatest records --------------------------------------------

const LATEST: &str = "aimdb/test/latest";
static LATEST_IN: SpmcRing<StdRawMutex, u64, 4, 1> = SpmcRing::new();

fn latest_deliver(payload: &[u8]) -> Result<(), CodecError> {
    Producer::new(&LATEST_IN).produce(from_decimal(payload)?);
    Ok(())
}

static LATEST_ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: LATEST,
    deliver: latest_deliver,
}];

/// A link registered as a `SingleLatest` record is published retained, so a node that
/// subscribes later still gets the current value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_latest_links_are_retained_for_late_subscribers() {
    let broker = Broker::start();
    let sender = MqttConnector::start(config(broker.port, "latest-sender")).unwrap();
    sender.register_outbound(LATEST, aimdb_core::BufferKind::SingleLatest);
    let mut buf = [0u8; 20];
    let len = to_decimal(&7, &mut buf).unwrap();
    assert_eq!(sender.publish(LATEST, &buf[..len]), Ok(()));
    wait_until("the broker acknowledged", Duration::from_secs(10), || {
        sender.stats().publish_acks >= 1
    })
    .await;

    let late = MqttConnector::start(config(broker.port, "latest-late")).unwrap();
    let mut inbox = Consumer::subscribe(&LATEST_IN).unwrap();
    late.attach(&LATEST_ROUTES);
    assert_eq!(
        next_value(&mut inbox, Duration::from_secs(10)).await,
        Some(7)
    );
    assert_eq!(sender.link_stats(LATEST).unwrap().sent, 1);
}

// ---- overflow while the broker is down ----------------------------------------------------

/// With the broker down, publishing never blocks: the bounded queue keeps the newest
/// values, drops and counts the rest, and `poll_ready` reports no room; once the broker is
/// back the queue drains by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_outbound_queue_drops_and_counts_without_blocking() {
    const OVERFLOW: &str = "aimdb/test/overflow?qos=1";
    let mut broker = Broker::start();
    let mut config = config(broker.port, "overflow-sender");
    config.outbound_capacity = 8;
    config.client_channel = 1;
    let sender = MqttConnector::start(config).unwrap();
    wait_until("connected", Duration::from_secs(10), || {
        sender.stats().connected
    })
    .await;
    broker.kill();
    wait_until("disconnected", Duration::from_secs(10), || {
        !sender.stats().connected
    })
    .await;

    let started = std::time::Instant::now();
    let mut buf = [0u8; 20];
    for value in 0..100u64 {
        let len = to_decimal(&value, &mut buf).unwrap();
        assert_eq!(sender.publish(OVERFLOW, &buf[..len]), Ok(()));
    }
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "publish blocked"
    );
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(sender.poll_ready(&mut cx).is_pending());
    let stats = sender.link_stats(OVERFLOW).unwrap();
    // 8 in the queue, and maybe one the connector is handing to rumqttc (whose own channel
    // of 1 may hold another, already counted as sent).
    let queued = sender.stats().queued;
    assert!(queued == 8 || queued == 9, "queued {queued}");
    assert_eq!(stats.sent + stats.dropped + queued, 100);
    assert!(stats.dropped >= 90, "{stats:?}");

    broker.restart();
    wait_until("the queue drained", Duration::from_secs(10), || {
        sender.stats().queued == 0 && sender.link_stats(OVERFLOW).unwrap().sent >= 8
    })
    .await;
    let stats = sender.link_stats(OVERFLOW).unwrap();
    assert_eq!(stats.sent + stats.dropped, 100);
    assert_eq!(sender.stats().reconnects, 1);
    assert!(sender.poll_ready(&mut cx).is_ready());
}

const OVERFLOW_RING: &str = "aimdb/test/overflow-ring?qos=1";
const OVERFLOW_LATEST: &str = "aimdb/test/overflow-latest?qos=1";
static OVERFLOW_LATEST_IN: SpmcRing<StdRawMutex, u64, 4, 1> = SpmcRing::new();

fn overflow_latest_deliver(payload: &[u8]) -> Result<(), CodecError> {
    Producer::new(&OVERFLOW_LATEST_IN).produce(from_decimal(payload)?);
    Ok(())
}

static OVERFLOW_LATEST_ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: OVERFLOW_LATEST,
    deliver: overflow_latest_deliver,
}];

/// Overflow follows the record's buffer, with exact counts: with the broker down and the
/// publishing side plugged, a `SingleLatest` link keeps only its newest value in the queue
/// and a full queue drops a ring link's own oldest values; once the broker is back, exactly
/// the kept values are sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_outbound_queue_follows_each_links_buffer_kind() {
    const PLUG: &str = "aimdb/test/overflow-plug?qos=1";
    const CAPACITY: u64 = 8;
    let mut broker = Broker::start();
    let mut settings = config(broker.port, "overflow-kinds");
    settings.outbound_capacity = CAPACITY as usize;
    settings.client_channel = 1;
    let sender = MqttConnector::start(settings).unwrap();
    sender.register_outbound(
        OVERFLOW_RING,
        aimdb_core::BufferKind::SpmcRing { capacity: 256 },
    );
    sender.register_outbound(OVERFLOW_LATEST, aimdb_core::BufferKind::SingleLatest);
    wait_until("connected", Duration::from_secs(10), || {
        sender.stats().connected
    })
    .await;
    broker.kill();
    wait_until("disconnected", Duration::from_secs(10), || {
        !sender.stats().connected
    })
    .await;

    let mut buf = [0u8; 20];
    let mut publish = |address: &'static str, value: u64| {
        let len = to_decimal(&value, &mut buf).unwrap();
        assert_eq!(
            sender.publish(address, &buf[..len]),
            Ok(()),
            "{address} {value}"
        );
    };
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    // Plug the way out, so the queue's contents are exact: the first value fills rumqttc's
    // channel of 1 (counted as sent); the pump then takes the second and waits with it.
    publish(PLUG, 0);
    wait_until(
        "the plug in rumqttc's channel",
        Duration::from_secs(10),
        || sender.link_stats(PLUG).unwrap().sent == 1,
    )
    .await;
    publish(PLUG, 1);
    for value in 0..CAPACITY - 1 {
        publish(OVERFLOW_RING, value);
    }
    // The queue is full until the pump has taken the second plug value; then it has one
    // free slot, and the pump can take nothing more.
    wait_until("the pump holds the plug", Duration::from_secs(10), || {
        sender.poll_ready(&mut cx).is_ready()
    })
    .await;

    for value in 0..50 {
        publish(OVERFLOW_LATEST, value);
    }
    for value in CAPACITY - 1..100 {
        publish(OVERFLOW_RING, value);
    }
    assert!(sender.poll_ready(&mut cx).is_pending());
    assert_eq!(sender.stats().queued, CAPACITY + 1);
    let ring = sender.link_stats(OVERFLOW_RING).unwrap();
    let latest = sender.link_stats(OVERFLOW_LATEST).unwrap();
    // The ring link kept its 7 newest values; the latest link one value.
    assert_eq!((ring.sent, ring.dropped), (0, 100 - (CAPACITY - 1)));
    assert_eq!((latest.sent, latest.dropped), (0, 49));

    broker.restart();
    wait_until("the queue drained", Duration::from_secs(10), || {
        sender.stats().queued == 0 && sender.link_stats(PLUG).unwrap().sent == 2
    })
    .await;
    let ring = sender.link_stats(OVERFLOW_RING).unwrap();
    let latest = sender.link_stats(OVERFLOW_LATEST).unwrap();
    assert_eq!(
        (ring.sent, ring.dropped),
        (CAPACITY - 1, 100 - (CAPACITY - 1))
    );
    assert_eq!((latest.sent, latest.dropped), (1, 49));
    assert_eq!(sender.link_stats(PLUG).unwrap().dropped, 0);

    // The value kept was the newest: it is the one the broker retained.
    let late = MqttConnector::start(config(broker.port, "overflow-kinds-late")).unwrap();
    let mut inbox = Consumer::subscribe(&OVERFLOW_LATEST_IN).unwrap();
    late.attach(&OVERFLOW_LATEST_ROUTES);
    assert_eq!(
        next_value(&mut inbox, Duration::from_secs(10)).await,
        Some(49)
    );
}
