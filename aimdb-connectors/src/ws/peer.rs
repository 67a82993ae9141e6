//! One node peer's session (`GET /link/PATH`): a browser node (`ws_wasm`) linked to this
//! node's `ws://PATH`, exchanging binary messages that hold exactly the link's codec bytes
//! (a named codec's contract header included), one value per message, no envelope.
//!
//! - If this node writes `PATH`, the peer gets the last value first (unless the link is not
//!   replayed) and then every value published, from the link's own channel; a peer that
//!   falls `channel_capacity` values behind misses the oldest (counted as `lagged`), one
//!   whose socket takes no value for `stall_timeout` is closed (counted as `evicted`).
//! - If this node reads `PATH`, each binary message is handed to the link's deserializer,
//!   counted on the link (`received`, `decode_errors`, `schema_mismatch`, `oversize`).
//!   Binary values on a path this node does not read are counted (`peer_refused`), text
//!   messages too (`peer_malformed`): both are skipped and the session goes on.

use core::sync::atomic::Ordering;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::broadcast::error::RecvError;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use super::counters::bump;
use super::hub::{Hub, PeerLink};
use super::session::Connected;

/// Serve one node peer until either side closes the socket, or it is evicted.
pub(crate) async fn run(
    socket: WebSocketStream<TcpStream>,
    connected: Connected<'_>,
    link: PeerLink,
) {
    let hub: &Hub = connected.0;
    let slot = &connected.1;
    bump(&hub.counters.peer_sessions);
    let (mut to_peer, mut from_peer) = socket.split();
    let PeerLink {
        first,
        mut live,
        inbound,
    } = link;
    if let Some(first) = first
        && !send(&mut to_peer, first, hub).await
    {
        return;
    }
    let mut evicted = core::pin::pin!(slot.evicted());
    loop {
        tokio::select! {
            () = &mut evicted => return,
            published = recv(&mut live) => match published {
                Ok(value) => {
                    if !send(&mut to_peer, value, hub).await {
                        return;
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    hub.counters.lagged.fetch_add(missed, Ordering::Relaxed);
                }
                Err(RecvError::Closed) => return,
            },
            incoming = from_peer.next() => match incoming {
                Some(Ok(Message::Binary(value))) => hub.peer_write(inbound.as_deref(), &value),
                Some(Ok(Message::Text(_))) => bump(&hub.counters.peer_malformed),
                // Pings are answered by tungstenite on the next send or flush.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {
                    let _ = to_peer.flush().await;
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
            },
        }
    }
}

/// The next published value, or never if this node does not write the peer's path.
async fn recv(
    live: &mut Option<tokio::sync::broadcast::Receiver<Bytes>>,
) -> Result<Bytes, RecvError> {
    match live {
        Some(live) => live.recv().await,
        None => core::future::pending().await,
    }
}

/// Send one value; `false` (and the peer counted as evicted) if the socket would not take
/// it within `stall_timeout`, or failed.
async fn send(
    to_peer: &mut futures_util::stream::SplitSink<WebSocketStream<TcpStream>, Message>,
    value: Bytes,
    hub: &Hub,
) -> bool {
    match tokio::time::timeout(hub.stall_timeout, to_peer.send(Message::Binary(value))).await {
        Ok(sent) => sent.is_ok(),
        Err(_) => {
            bump(&hub.counters.evicted);
            tracing::warn!(target: "aimdb::ws", stall = ?hub.stall_timeout, "a node peer stopped reading; evicted");
            false
        }
    }
}
