//! What each connector counts per link, without a peer: `Connector::skipped` (a link
//! task's lag and its serializer's failures) lands in `lagged`, `encode_errors` and
//! `oversize`, next to `sent` and `dropped`; and the embassy MQTT connector's full queue
//! refuses and counts new values, and a registered link's queued values follow its record's
//! buffer kind (the kit's outbox) on the embassy MQTT and serial connectors.

use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{CodecError, Connector, Skipped};
use aimdb_core::mutex::CriticalSectionRawMutex;

const ADDRESS: &str = "climate/zone-a/reading";

/// Report 45 lagged values, one malformed and one oversize encoding on `ADDRESS`.
fn report(connector: &dyn Connector) {
    connector.register_outbound(ADDRESS, BufferKind::SpmcRing { capacity: 4 });
    connector.skipped(ADDRESS, Skipped::Lagged(40));
    connector.skipped(ADDRESS, Skipped::Lagged(5));
    connector.skipped(ADDRESS, Skipped::Encode(CodecError::Malformed));
    connector.skipped(ADDRESS, Skipped::Encode(CodecError::Oversize));
}

/// The link's counters show exactly what `report` said (and nothing was sent or received).
macro_rules! assert_counted {
    ($stats:expr, $ty:ident) => {
        assert_eq!(
            $stats.expect("the link is registered"),
            $ty {
                lagged: 45,
                encode_errors: 1,
                oversize: 1,
                ..$ty::default()
            }
        )
    };
}

#[test]
fn embassy_mqtt_counts_what_a_link_skipped() {
    use aimdb_connectors::mqtt_embassy::{LinkStats, MqttConfig, MqttConnector};
    static MQTT: MqttConnector<CriticalSectionRawMutex, 4, 32> =
        MqttConnector::new(MqttConfig::new("skipped-counts"));
    report(&MQTT);
    assert_counted!(MQTT.link_stats(ADDRESS), LinkStats);
}

#[test]
fn serial_counts_what_a_link_skipped() {
    use aimdb_connectors::serial::{LinkStats, SerialConnector};
    static SERIAL: SerialConnector<CriticalSectionRawMutex, 4, 64, 4> = SerialConnector::new();
    report(&SERIAL);
    assert_counted!(SERIAL.link_stats(ADDRESS), LinkStats);
}

#[tokio::test]
async fn host_mqtt_counts_what_a_link_skipped() {
    use aimdb_connectors::mqtt::{LinkStats, MqttConfig, MqttConnector};
    // Nothing listens on port 9 here; the connector keeps retrying in the background,
    // which does not matter to its counters.
    let mqtt = MqttConnector::start(MqttConfig::new("127.0.0.1", 9, "skipped-counts")).unwrap();
    report(mqtt);
    assert_counted!(mqtt.link_stats(ADDRESS), LinkStats);
}

#[tokio::test]
async fn ws_counts_what_a_link_skipped() {
    use aimdb_connectors::ws::{LinkStats, WsConfig, WsConnector};
    let ws = WsConnector::start(WsConfig::new("127.0.0.1:0".parse().unwrap())).unwrap();
    report(ws);
    assert_counted!(ws.link_stats(ADDRESS), LinkStats);
}

#[test]
fn embassy_mqtt_full_queue_refuses_and_counts_new_values() {
    use aimdb_connectors::mqtt_embassy::{MqttConfig, MqttConnector};
    use aimdb_core::connector::PublishError;
    use core::task::{Context, Waker};
    // A queue of 4 and no session running (no broker): nothing leaves the queue.
    static MQTT: MqttConnector<CriticalSectionRawMutex, 4, 32> =
        MqttConnector::new(MqttConfig::new("full-queue"));
    let mut cx = Context::from_waker(Waker::noop());
    let results: Vec<_> = (0..6u8).map(|v| MQTT.publish(ADDRESS, &[v])).collect();
    assert_eq!(results[..4], [Ok(()); 4]);
    assert_eq!(results[4..], [Err(PublishError::Full); 2]);
    assert!(
        MQTT.poll_ready(&mut cx).is_pending(),
        "a link task waits for room"
    );
    assert_eq!(MQTT.stats().queued, 4);
    let stats = MQTT.link_stats(ADDRESS).unwrap();
    assert_eq!((stats.sent, stats.dropped), (0, 2));
    // Oversize: larger than the connector's 32-byte payloads, refused and counted.
    assert_eq!(MQTT.publish(ADDRESS, &[0; 33]), Err(PublishError::Oversize));
    assert_eq!(MQTT.link_stats(ADDRESS).unwrap().oversize, 1);
}

#[test]
fn embassy_mqtt_and_serial_queues_follow_the_buffer_kind() {
    use aimdb_connectors::mqtt_embassy::{MqttConfig, MqttConnector};
    use aimdb_connectors::serial::SerialConnector;
    // Queues of 4, nothing running: nothing leaves them.
    static MQTT: MqttConnector<CriticalSectionRawMutex, 4, 32> =
        MqttConnector::new(MqttConfig::new("kinds"));
    static SERIAL: SerialConnector<CriticalSectionRawMutex, 4, 32> = SerialConnector::new();
    let connectors: [&dyn Connector; 2] = [&MQTT, &SERIAL];
    for connector in connectors {
        connector.register_outbound("latest", BufferKind::SingleLatest);
        connector.register_outbound("ring", BufferKind::SpmcRing { capacity: 8 });
        // A SingleLatest link keeps one queued value: 5 values, 4 replaced.
        for v in 0..5u8 {
            assert_eq!(connector.publish("latest", &[v]), Ok(()));
        }
        // The ring fills the other 3 places, then drops its own oldest: 6 values, 3 dropped.
        for v in 0..6u8 {
            assert_eq!(connector.publish("ring", &[v]), Ok(()));
        }
    }
    let mqtt = (
        MQTT.link_stats("latest").unwrap(),
        MQTT.link_stats("ring").unwrap(),
    );
    let serial = (
        SERIAL.link_stats("latest").unwrap(),
        SERIAL.link_stats("ring").unwrap(),
    );
    for (latest, ring) in [mqtt, serial] {
        assert_eq!((latest.dropped, ring.dropped), (4, 3));
    }
    assert_eq!((MQTT.stats().queued, SERIAL.stats().queued), (4, 4));
    assert_eq!(SERIAL.stats().dropped, 7);
}
