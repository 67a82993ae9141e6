//! What the host MQTT tests share: `u64` values carried as ASCII decimal (so
//! `mosquitto_pub -m 42` is a good value), a connector configuration with a short backoff,
//! a receive with a deadline, and `inbound_record!`, the static record + route table a
//! generated node would emit for a `link_from`.

#![allow(dead_code)] // each test binary uses its own part

use std::time::Duration;

use aimdb_connectors::mqtt::MqttConfig;
use aimdb_core::connector::CodecError;
use aimdb_core::{Consumer, RecvError};

/// The serializer: `value` as decimal text.
pub fn to_decimal(value: &u64, out: &mut [u8]) -> Result<usize, CodecError> {
    use std::io::Write;
    let mut cursor = std::io::Cursor::new(out);
    write!(cursor, "{value}").map_err(|_| CodecError::Oversize)?;
    Ok(cursor.position() as usize)
}

/// The deserializer: decimal text to a `u64`, anything else malformed.
pub fn from_decimal(payload: &[u8]) -> Result<u64, CodecError> {
    std::str::from_utf8(payload)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or(CodecError::Malformed)
}

/// A connector to the test's broker that retries within half a second.
pub fn config(port: u16, client_id: &str) -> MqttConfig {
    let mut config = MqttConfig::new("127.0.0.1", port, client_id);
    config.backoff.max = Duration::from_millis(500);
    config
}

/// Receive with a deadline; lost values (a lagging reader) fail the test.
pub async fn next_value<B: aimdb_core::RecordBuffer<u64>>(
    consumer: &mut Consumer<'static, u64, B>,
    limit: Duration,
) -> Option<u64> {
    match tokio::time::timeout(limit, consumer.recv()).await {
        Ok(Ok(value)) => Some(value),
        Ok(Err(RecvError::Lagged(n))) => panic!("the inbound record lagged: {n} values lost"),
        Err(_) => None,
        Ok(Err(e)) => panic!("the inbound record: {e}"),
    }
}

/// `inbound_record!(RECORD, ROUTES, ADDRESS, CAPACITY)`: a static `SpmcRing` of `u64`
/// named `RECORD` and a route table `ROUTES` that decodes what arrives at `ADDRESS` into it.
macro_rules! inbound_record {
    ($record:ident, $routes:ident, $address:expr, $capacity:literal) => {
        static $record: aimdb_core::SpmcRing<aimdb_core::mutex::StdRawMutex, u64, $capacity, 1> =
            aimdb_core::SpmcRing::new();
        static $routes: [aimdb_core::connector::InboundRoute; 1] =
            [aimdb_core::connector::InboundRoute {
                address: $address,
                deliver: |payload| {
                    aimdb_core::Producer::new(&$record).produce(from_decimal(payload)?);
                    Ok(())
                },
            }];
    };
}
pub(crate) use inbound_record;
