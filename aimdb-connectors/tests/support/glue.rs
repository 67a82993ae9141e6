//! Hand-written node glue, equivalent to what the topology compiler emits for a link:
//! outbound, a task that takes each value from the record's buffer, serializes it into a
//! fixed buffer, waits for the connector to have room and publishes; inbound, a static
//! table of routes whose `deliver` decodes and produces into the record's buffer.

#![allow(dead_code)] // each test binary uses its own part

use core::future::poll_fn;
use std::time::{Duration, Instant};

use aimdb_core::buffer::RecordBuffer;
use aimdb_core::connector::{CodecError, Connector, Serializer, Skipped};
use aimdb_core::{Consumer, RecvError};

/// The `link_to` task of one record. Runs until its runtime stops.
pub async fn link_to<T, B>(
    mut consumer: Consumer<'static, T, B>,
    serialize: Serializer<T>,
    connector: &'static dyn Connector,
    address: &'static str,
) where
    B: RecordBuffer<T> + 'static,
{
    let mut buf = [0u8; 256];
    loop {
        let value = match consumer.recv().await {
            Ok(value) => value,
            // The ring overwrote values this link had not sent; they are gone (counted).
            Err(RecvError::Lagged(missed)) => {
                connector.skipped(address, Skipped::Lagged(missed));
                continue;
            }
            Err(_) => continue,
        };
        let len = match serialize(&value, &mut buf) {
            Ok(len) if len <= buf.len() => len,
            Ok(_) => {
                connector.skipped(address, Skipped::Encode(CodecError::Oversize));
                continue;
            }
            Err(error) => {
                connector.skipped(address, Skipped::Encode(error));
                continue;
            }
        };
        // Backpressure: wait for room rather than let the connector drop.
        poll_fn(|cx| connector.poll_ready(cx)).await;
        let _ = connector.publish(address, &buf[..len]);
    }
}

/// Poll `condition` every 10 ms until it holds; panic with `what` after `limit`.
#[allow(dead_code)]
pub async fn wait_until(what: &str, limit: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
