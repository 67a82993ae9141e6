//! A framed connector on tokio (feature `kit-tokio`): one run over a tokio stream (a TCP or
//! Unix stream, a serial device opened as an `AsyncRead + AsyncWrite`), and the two ways a
//! stream transport keeps one up: dialing with reconnect and backoff, or listening.

use core::future::Future;
use core::time::Duration;
use std::io;

use aimdb_core::mutex::RawMutex;
use embedded_io_adapters::tokio_1::FromTokio;
use tokio::io::{AsyncRead, AsyncWrite};

use super::framed::{Addressing, FramedConnector};
use super::run::{Either, RunEnd, first};
use crate::counters::bump;

impl<A: Addressing, M: RawMutex, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize>
    FramedConnector<A, M, QUEUE, MAX_FRAME, LINKS>
{
    /// [`run`](Self::run) over a tokio byte stream (a `TcpStream`, say): returns when the
    /// stream fails or the other end closes it.
    pub async fn run_tokio<S: AsyncRead + AsyncWrite>(
        &self,
        stream: S,
    ) -> RunEnd<std::io::Error, std::io::Error> {
        let (reader, writer) = tokio::io::split(stream);
        self.run(FromTokio::new(reader), FromTokio::new(writer))
            .await
    }
}

/// How long one connect of [`FramedConnector::dial_with`] may take before it counts as
/// failed.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Reconnect delays of [`FramedConnector::dial_with`]: the first retry waits `min`, each
/// failed one doubles the wait up to `max`, and a successful connect starts over at `min`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The first delay.
    pub min: Duration,
    /// The largest delay.
    pub max: Duration,
}

impl Default for Backoff {
    /// 100 ms doubling to 5 s, as the MQTT connectors.
    fn default() -> Self {
        Backoff {
            min: Duration::from_millis(100),
            max: Duration::from_secs(5),
        }
    }
}

impl<A: Addressing, M: RawMutex, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize>
    FramedConnector<A, M, QUEUE, MAX_FRAME, LINKS>
{
    /// The client side of a stream transport, forever: `connect` the
    /// [endpoint](Self::endpoint) the links name, [`run`](Self::run_tokio) over the
    /// stream, and when it fails or closes (or `connect` fails or takes longer than
    /// [`CONNECT_TIMEOUT`]) wait per `backoff` and
    /// connect again. Queued values wait for the next stream. Before any link fixed the
    /// endpoint (the node has not started yet) it waits the same way.
    pub async fn dial_with<S, F, Fut>(&self, backoff: Backoff, mut connect: F) -> !
    where
        S: AsyncRead + AsyncWrite,
        F: FnMut(&'static str) -> Fut,
        Fut: Future<Output = io::Result<S>>,
    {
        let mut delay = backoff.min;
        loop {
            let stream = match self.endpoint() {
                // A connect to a host that drops packets would otherwise wait for the OS's
                // own timeout (minutes on Linux).
                Some(endpoint) => tokio::time::timeout(CONNECT_TIMEOUT, connect(endpoint))
                    .await
                    .ok()
                    .and_then(Result::ok),
                None => None,
            };
            let endpoint = self.endpoint().unwrap_or("");
            match stream {
                Some(stream) => {
                    delay = backoff.min;
                    tracing::info!(target: "aimdb::kit", scheme = A::SCHEME, address = endpoint, "connected");
                    let end = self.run_tokio(stream).await;
                    tracing::warn!(
                        target: "aimdb::kit",
                        scheme = A::SCHEME,
                        address = endpoint,
                        ?end,
                        "connection lost; reconnecting with backoff"
                    );
                }
                None => {
                    bump(&self.counters.connect_errors);
                    tracing::debug!(
                        target: "aimdb::kit",
                        scheme = A::SCHEME,
                        address = endpoint,
                        ?delay,
                        "connect failed; next attempt after the delay"
                    );
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(backoff.max);
        }
    }

    /// The listening side of a stream transport: take streams from `accept` and
    /// [`run`](Self::run_tokio) over one at a time. A new stream replaces the current one
    /// (a peer that reconnects is served at once, even if its old connection has not
    /// failed yet on this side). Returns only when `accept` fails.
    pub async fn serve_with<S, F, Fut>(&self, mut accept: F) -> io::Error
    where
        S: AsyncRead + AsyncWrite,
        F: FnMut() -> Fut,
        Fut: Future<Output = io::Result<S>>,
    {
        let mut next = match accept().await {
            Ok(stream) => stream,
            Err(error) => return error,
        };
        let endpoint = || self.endpoint().unwrap_or("");
        loop {
            tracing::info!(target: "aimdb::kit", scheme = A::SCHEME, address = endpoint(), "peer connected");
            let ran = first(self.run_tokio(next), accept()).await;
            if let Either::Left(end) = &ran {
                tracing::info!(target: "aimdb::kit", scheme = A::SCHEME, address = endpoint(), ?end, "peer left");
            }
            next = match ran {
                Either::Left(_) => match accept().await {
                    Ok(stream) => stream,
                    Err(error) => return error,
                },
                Either::Right(Ok(stream)) => {
                    // The run was dropped mid-stream: counted as a stream that ended.
                    bump(&self.counters.stream_errors);
                    stream
                }
                Either::Right(Err(error)) => {
                    tracing::error!(target: "aimdb::kit", scheme = A::SCHEME, address = endpoint(), %error, "accept failed; listening stopped");
                    return error;
                }
            };
        }
    }
}
