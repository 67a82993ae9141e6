//! The Unix domain socket connector (`uds://SOCKET#LINK`, feature `uds-tokio`): records
//! linked between processes of one machine over one Unix stream socket, in the kit's COBS
//! frames. The same connector as [`tcp`](crate::tcp) on another stream: see the
//! [kit](crate::kit).
//!
//! - **Addresses** ([`aimdb_core::address::uds`]): `SOCKET` is the socket file, `LINK`
//!   (after `#`) the link within the stream. A connector serves the socket its first link
//!   names (the compiler refuses a node whose `uds://` links name two); a link naming
//!   another is refused and counted (`invalid_links`).
//! - **Who listens**: the process started with [`serve`](UdsConnector::serve) binds the
//!   socket file and takes one peer at a time (a new connection replaces the current one);
//!   the other runs [`dial`](UdsConnector::dial), reconnecting with backoff. A socket file
//!   left behind by a listener that died (nobody accepts on it) is removed and bound
//!   again; one a live listener holds is not touched (`serve` fails with `AddrInUse`). That
//!   check connects to the socket, which an aimdb listener takes as its peer reconnecting:
//!   its current peer reconnects in turn.
//!
//! ```ignore
//! static UDS: UdsConnector<StdRawMutex, 16, 64> = UdsConnector::new();
//! // After the node started: one process serves, the other dials.
//! tokio::spawn(async { UDS.serve().await });
//! tokio::spawn(UDS.dial(Backoff::default()));
//! ```

use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use aimdb_core::address::uds::UdsAddress;
use aimdb_core::mutex::RawMutex;
use tokio::net::{UnixListener, UnixStream};

pub use crate::kit::Backoff;
use crate::kit::{Addressing, FramedConnector};
pub use crate::kit::{FramedStats as UdsStats, LinkStats, RunEnd, StreamEnd};

/// A Unix domain socket connector; see the [module docs](self). `M` guards queue and link
/// table, `QUEUE` is the outbound queue length in frames, `MAX_FRAME` the largest frame
/// before COBS, `LINKS` the number of addresses it tracks.
pub type UdsConnector<M, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize = 8> =
    FramedConnector<Uds, M, QUEUE, MAX_FRAME, LINKS>;

/// The `uds://` scheme on a framed stream: the socket path is the endpoint, the name after
/// `#` the link.
#[derive(Clone, Copy, Debug)]
pub enum Uds {}

impl Addressing for Uds {
    const SCHEME: &'static str = "uds";

    fn split(address: &str) -> Option<(&str, &str)> {
        let parsed = UdsAddress::parse(address).ok()?;
        Some((parsed.socket, parsed.link))
    }
}

impl<M: RawMutex, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize>
    UdsConnector<M, QUEUE, MAX_FRAME, LINKS>
{
    /// Connect to the socket the links name and exchange frames, reconnecting after
    /// `backoff` whenever the connect fails (no listener, a stale socket file) or the
    /// stream ends; never returns.
    pub async fn dial(&self, backoff: Backoff) -> ! {
        self.dial_with(backoff, UnixStream::connect).await
    }

    /// Bind the socket the links name (replacing a stale socket file) and serve one peer
    /// at a time. Returns only when binding or accepting fails.
    pub async fn serve(&self) -> io::Error {
        let Some(socket) = self.endpoint() else {
            return io::Error::new(io::ErrorKind::NotFound, "no uds:// link names a socket");
        };
        match bind(Path::new(socket)).await {
            Ok(listener) => self.serve_on(listener).await,
            Err(error) => error,
        }
    }

    /// Serve the peers `listener` accepts, one at a time: a new connection replaces the
    /// current one. Returns only when accepting fails.
    pub async fn serve_on(&self, listener: UnixListener) -> io::Error {
        self.serve_with(|| async { Ok(listener.accept().await?.0) })
            .await
    }
}

/// Bind `path`; a socket file there that nobody accepts on (its listener died without
/// removing it) is removed first, while one a live listener answers on, or a file that is
/// no socket, is left alone.
async fn bind(path: &Path) -> io::Result<UnixListener> {
    match UnixListener::bind(path) {
        Err(error) if error.kind() == io::ErrorKind::AddrInUse => {
            // Only a socket file is replaced, and only one nobody answers on.
            let socket = std::fs::symlink_metadata(path)?.file_type().is_socket();
            if !socket || UnixStream::connect(path).await.is_ok() {
                return Err(error);
            }
            std::fs::remove_file(path)?;
            UnixListener::bind(path)
        }
        bound => bound,
    }
}
