//! The host MQTT connector against a real mosquitto: delivery. Every test starts its own
//! broker on a free 127.0.0.1 port and kills it at the end; a missing mosquitto fails the
//! test with the command that installs it. Overflow and bad input have files of their own
//! (`mqtt_overflow.rs`, `mqtt_bad_input.rs`).

#[path = "support/broker.rs"]
mod broker;
#[path = "support/decimal.rs"]
mod decimal;
#[path = "support/glue.rs"]
mod glue;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use aimdb_connectors::mqtt::MqttConnector;
use aimdb_core::connector::Connector;
use aimdb_core::mutex::StdRawMutex;
use aimdb_core::{Consumer, Producer, SpmcRing};
use broker::Broker;
use decimal::{config, from_decimal, inbound_record, next_value, to_decimal};
use glue::{link_to, wait_until};

// ---- round trip between two processes -------------------------------------------------

const ROUND_TRIP: &str = "aimdb/test/round-trip?qos=1";
const ROUND_TRIP_VALUES: u64 = 10_000;
const PEER_PORT: &str = "AIMDB_MQTT_PEER_PORT";

static RT_OUT: SpmcRing<StdRawMutex, u64, 16384, 1> = SpmcRing::new();
inbound_record!(RT_IN, RT_ROUTES, ROUND_TRIP, 16384);

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
inbound_record!(FAULT_IN, FAULT_ROUTES, FAULT, 8192);

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

// ---- QoS 0 ------------------------------------------------------------------------------

const QOS0: &str = "aimdb/test/qos0?qos=0";
const QOS0_VALUES: u64 = 1_000;
static QOS0_OUT: SpmcRing<StdRawMutex, u64, 2048, 1> = SpmcRing::new();
inbound_record!(QOS0_IN, QOS0_ROUTES, QOS0, 2048);

/// QoS 0 is at most once: nothing is acknowledged or re-sent, and on a healthy connection
/// 1,000 values arrive once each, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qos0_values_arrive_once_in_order_unacknowledged() {
    let broker = Broker::start();
    let sender = MqttConnector::start(config(broker.port, "qos0-sender")).unwrap();
    let receiver = MqttConnector::start(config(broker.port, "qos0-receiver")).unwrap();
    let mut inbox = Consumer::subscribe(&QOS0_IN).unwrap();
    receiver.attach(&QOS0_ROUTES);
    wait_until("subscribed and connected", Duration::from_secs(10), || {
        receiver.stats().subscribe_acks >= 1 && sender.stats().connected
    })
    .await;
    let outbox = Consumer::subscribe(&QOS0_OUT).unwrap();
    tokio::spawn(link_to(outbox, to_decimal, sender, QOS0));
    let producer = Producer::new(&QOS0_OUT);
    for value in 0..QOS0_VALUES {
        producer.produce(value);
    }

    let mut received = Vec::new();
    while let Some(value) = next_value(&mut inbox, Duration::from_secs(10)).await {
        received.push(value);
        if value == QOS0_VALUES - 1 {
            break;
        }
    }
    assert_eq!(received, (0..QOS0_VALUES).collect::<Vec<_>>());
    // Nothing more arrives: no value was delivered twice.
    assert_eq!(
        next_value(&mut inbox, Duration::from_millis(300)).await,
        None
    );
    assert_eq!(sender.link_stats(QOS0).unwrap().sent, QOS0_VALUES);
    assert_eq!(
        sender.stats().publish_acks,
        0,
        "QoS 0 is never acknowledged"
    );
}

// ---- retained values for SingleLatest records --------------------------------------------

const LATEST: &str = "aimdb/test/latest";
inbound_record!(LATEST_IN, LATEST_ROUTES, LATEST, 4);

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
