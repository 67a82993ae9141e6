//! The TCP connector on tokio: dial the endpoint, or listen on it.

use std::io;

use aimdb_core::mutex::RawMutex;
use tokio::net::{TcpListener, TcpStream};

use super::TcpConnector;
use crate::kit::Backoff;

impl<M: RawMutex, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize>
    TcpConnector<M, QUEUE, MAX_FRAME, LINKS>
{
    /// Connect to the endpoint the links name and exchange frames, reconnecting after
    /// `backoff` whenever the connect fails or the stream ends; never returns. Spawn it
    /// after the node started (or before: it waits until a link names the endpoint).
    pub async fn dial(&self, backoff: Backoff) -> ! {
        self.dial_with(backoff, |endpoint| async move {
            let stream = TcpStream::connect(endpoint).await?;
            // Frames are small and written whole; waiting to fill a segment only adds
            // latency.
            stream.set_nodelay(true)?;
            Ok(stream)
        })
        .await
    }

    /// Listen on the endpoint the links name and serve one peer at a time (see
    /// [`serve_on`](Self::serve_on)). Fails if no link named it yet or it cannot be bound.
    pub async fn serve(&self) -> io::Error {
        let Some(endpoint) = self.endpoint() else {
            return io::Error::new(io::ErrorKind::NotFound, "no tcp:// link names an endpoint");
        };
        match TcpListener::bind(endpoint).await {
            Ok(listener) => self.serve_on(listener).await,
            Err(error) => error,
        }
    }

    /// Serve the peers `listener` accepts, one at a time: a new connection replaces the
    /// current one. Returns only when accepting fails.
    pub async fn serve_on(&self, listener: TcpListener) -> io::Error {
        self.serve_with(|| async {
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            Ok(stream)
        })
        .await
    }
}
