//! The host MQTT connector against a real mosquitto: payloads that do not decode, or are
//! larger than the connector takes, are counted and skipped, and the connection lives on.

#[path = "support/broker.rs"]
mod broker;
#[path = "support/decimal.rs"]
mod decimal;
#[path = "support/glue.rs"]
mod glue;

use std::time::Duration;

use aimdb_connectors::mqtt::MqttConnector;
use aimdb_core::connector::Connector;
use aimdb_core::{Consumer, TryRecvError};
use broker::{Broker, mosquitto_pub};
use decimal::{config, from_decimal, inbound_record, next_value};
use glue::wait_until;

// ---- bad input --------------------------------------------------------------------------

const BAD: &str = "aimdb/test/bad-input";
inbound_record!(BAD_IN, BAD_ROUTES, BAD, 16);

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
