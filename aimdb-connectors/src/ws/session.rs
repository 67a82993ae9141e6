//! One browser's session: the hello and the replayed values first, then every published
//! value, while the client's writes are delivered (or refused) and answered.

use core::sync::atomic::Ordering;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::broadcast::error::RecvError;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::counters::bump;
use super::hub::Hub;

/// Releases the client's place (taken in `WsConnector::upgrade`) when the session ends.
struct Connected<'a>(&'a Hub);

impl Drop for Connected<'_> {
    fn drop(&mut self) {
        self.0.counters.clients.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serve one upgraded connection until either side closes it.
pub(crate) async fn run(socket: WebSocketStream<TcpStream>, hub: &Hub) {
    bump(&hub.counters.sessions);
    let _connected = Connected(hub);
    let (first, mut live) = hub.join();
    let (mut to_client, mut from_client) = socket.split();
    for message in first {
        if to_client.send(Message::Text(message)).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            published = live.recv() => match published {
                Ok(message) => {
                    if to_client.send(Message::Text(message)).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    hub.counters.lagged.fetch_add(missed, Ordering::Relaxed);
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
                if to_client.send(Message::Text(reply.into())).await.is_err() {
                    return;
                }
            }
        }
    }
}
