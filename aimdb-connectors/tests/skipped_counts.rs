//! `Connector::skipped` lands in each connector's per-link counters: a link task's lag and
//! its serializer's failures are counted with the link's other figures (`lagged`,
//! `encode_errors`, `oversize`), next to `sent` and `dropped`.

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
