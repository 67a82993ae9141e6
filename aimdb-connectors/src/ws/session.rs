//! One browser's session: the hello and the replayed values first, then every published
//! value, while the client's writes are delivered (or refused) and answered.
//!
//! A client that does not read is noticed: every send is watched, and a client more than
//! `channel_capacity` messages behind for `stall_timeout` (or chosen to make room for a
//! fresh client) is closed and counted as evicted.

use core::pin::pin;
use core::sync::atomic::Ordering;
use core::time::Duration;
use std::sync::Arc;

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::broadcast::error::RecvError;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::hub::{Hub, Slot};

/// Gives the client's place (taken by `Hub::admit` in `WsConnector::upgrade`) back when the
/// session ends.
pub(crate) struct Connected<'a>(pub(crate) &'a Hub, pub(crate) Arc<Slot>);

impl Drop for Connected<'_> {
    fn drop(&mut self) {
        self.0.leave(&self.1);
    }
}

type Sink = SplitSink<WebSocketStream<TcpStream>, Message>;

/// Send one message, watching the client meanwhile: `false` if the send failed or the
/// client was evicted while it would not take the message.
async fn send(to_client: &mut Sink, message: Message, hub: &Hub, slot: &Arc<Slot>) -> bool {
    let check =
        (hub.stall_timeout / 4).clamp(Duration::from_millis(10), Duration::from_millis(250));
    let mut sending = pin!(to_client.send(message));
    let mut evicted = pin!(slot.evicted());
    loop {
        tokio::select! {
            sent = &mut sending => return sent.is_ok(),
            () = &mut evicted => return false,
            () = tokio::time::sleep(check) => {
                if hub.stalled_too_long(slot) {
                    return false;
                }
            }
        }
    }
}

/// Serve one upgraded connection until either side closes it, or the client is evicted.
pub(crate) async fn run(socket: WebSocketStream<TcpStream>, connected: Connected<'_>) {
    let hub = connected.0;
    hub.counters.sessions.fetch_add(1, Ordering::Relaxed);
    let slot = &connected.1;
    let (first, mut live) = hub.join(slot);
    let (mut to_client, mut from_client) = socket.split();
    for message in first {
        if !send(&mut to_client, Message::Text(message), hub, slot).await {
            return;
        }
    }
    let mut evicted = pin!(slot.evicted());
    loop {
        tokio::select! {
            () = &mut evicted => return,
            published = live.recv() => match published {
                Ok(message) => {
                    slot.consumed(1);
                    if !send(&mut to_client, Message::Text(message), hub, slot).await
                        || hub.stalled_too_long(slot)
                    {
                        return;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    slot.consumed(missed);
                    hub.counters.lagged.fetch_add(missed, Ordering::Relaxed);
                    if hub.stalled_too_long(slot) {
                        return;
                    }
                }
                Err(RecvError::Closed) => return,
            },
            incoming = from_client.next() => {
                let text = match incoming {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Binary(bytes))) => match Utf8Bytes::try_from(bytes) {
                        Ok(text) => text,
                        Err(_) => Utf8Bytes::from_static(""),
                    },
                    // Pings are answered by tungstenite on the next send or flush.
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {
                        let _ = to_client.flush().await;
                        continue;
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                };
                let reply = match hub.write(&text) {
                    Ok(key) => std::format!(
                        "{{\"type\":\"written\",\"key\":{}}}",
                        serde_json::Value::from(key)
                    ),
                    Err(error) => error.message(),
                };
                if !send(&mut to_client, Message::Text(reply.into()), hub, slot).await {
                    return;
                }
            }
        }
    }
}
