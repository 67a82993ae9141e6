//! The host MQTT connector against a real mosquitto: what happens to outbound values while
//! the broker is down. `publish` never blocks; the bounded queue's overflow follows each
//! link's buffer kind, with exact counts.

#[path = "support/broker.rs"]
mod broker;
#[path = "support/decimal.rs"]
mod decimal;
#[path = "support/glue.rs"]
mod glue;

use std::time::Duration;

use aimdb_connectors::mqtt::MqttConnector;
use aimdb_core::Consumer;
use aimdb_core::connector::Connector;
use broker::Broker;
use decimal::{config, from_decimal, inbound_record, next_value, to_decimal};
use glue::wait_until;

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
    lose_the_broker(&mut broker, sender).await;

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
/// Wait until `sender` is connected, then kill the broker and wait until it noticed.
async fn lose_the_broker(broker: &mut Broker, sender: &MqttConnector) {
    wait_until("connected", Duration::from_secs(10), || {
        sender.stats().connected
    })
    .await;
    broker.kill();
    wait_until("disconnected", Duration::from_secs(10), || {
        !sender.stats().connected
    })
    .await;
}

inbound_record!(
    OVERFLOW_LATEST_IN,
    OVERFLOW_LATEST_ROUTES,
    OVERFLOW_LATEST,
    4
);

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
    lose_the_broker(&mut broker, sender).await;

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
