//! The TCP connector (`tcp://HOST:PORT/LINK`): records linked over one TCP stream in the
//! kit's COBS frames, with no broker in between. `no_std`, no heap, over any
//! `embedded-io-async` stream (feature `tcp`); dialing and listening on tokio (feature
//! `tcp-tokio`).
//!
//! - **Addresses** ([`aimdb_core::address::tcp`]): `HOST:PORT` is the stream, `LINK` the
//!   link within it, so one connection carries all of a node's links to that endpoint,
//!   both ways. A connector serves one endpoint, the one its first link names: the compiler
//!   refuses a node whose `tcp://` links name two (the scheme row's `endpoint`), and the
//!   connector refuses and counts (`invalid_links`) a link naming another.
//! - **Who listens**: the node started with [`serve`](TcpConnector::serve) binds the
//!   endpoint and takes one peer at a time (a new connection replaces the current one, so
//!   a peer that comes back after a crash is served at once; only the peer should connect);
//!   the other runs [`dial`](TcpConnector::dial), which connects, and after a refused
//!   connect or a lost stream waits (100 ms doubling to 5 s) and connects again. It is
//!   the deployment's choice, not the URL's: both ends write the same URL, and either may
//!   be the writer. Values published while no stream is up wait in the queue.
//! - **On the wire**, per value, `COBS(link id, payload, CRC-16) 0x00`
//!   ([`frame`](crate::kit::frame)); the link id is the FNV-1a hash of `LINK`. Damaged
//!   frames are counted and skipped without dropping the connection.
//! - **Outbound overflow** follows each link's record buffer, **counters** per link and per
//!   connector: see the [kit](crate::kit).
//!
//! ```ignore
//! use aimdb::connectors::tcp::TcpConnector;
//! // 16 frames queued, frames up to 64 bytes, up to 8 links.
//! static TCP: TcpConnector<StdRawMutex, 16, 64> = TcpConnector::new();
//! // Host: after the node started (its links fixed the endpoint), one of
//! tokio::spawn(TCP.dial(Backoff::default()));
//! tokio::spawn(async { TCP.serve().await });
//! ```
//!
//! On **embassy**, the firmware owns the network stack, so it dials (or accepts) with
//! embassy-net and hands the socket to [`run`](TcpConnector::run), which takes any
//! `embedded-io-async` reader and writer (embassy-net's `TcpSocket` is one):
//!
//! ```ignore
//! static TCP: TcpConnector<CriticalSectionRawMutex, 8, 64> = TcpConnector::new();
//!
//! #[embassy_executor::task]
//! async fn tcp_link(stack: embassy_net::Stack<'static>) -> ! {
//!     let (mut rx, mut tx) = ([0; 256], [0; 256]);
//!     let mut delay = Duration::from_millis(100);
//!     loop {
//!         let mut socket = TcpSocket::new(stack, &mut rx, &mut tx);
//!         if socket.connect((Ipv4Address::new(192, 168, 1, 10), 7000)).await.is_ok() {
//!             delay = Duration::from_millis(100);
//!             let (reader, writer) = socket.split();
//!             let _ = TCP.run(reader, writer).await; // returns when the stream ends
//!         }
//!         Timer::after(delay).await;
//!         delay = (delay * 2).min(Duration::from_secs(5));
//!     }
//! }
//! ```

#[cfg(feature = "tcp-tokio")]
mod tokio;

use aimdb_core::address::tcp::TcpAddress;

#[cfg(feature = "tcp-tokio")]
pub use crate::kit::Backoff;
use crate::kit::{Addressing, FramedConnector};
pub use crate::kit::{FramedStats as TcpStats, LinkStats, RunEnd, StreamEnd};

/// A TCP connector; see the [module docs](self). `M` guards queue and link table,
/// `QUEUE` is the outbound queue length in frames, `MAX_FRAME` the largest frame before
/// COBS (payloads up to `MAX_FRAME - 6` bytes), `LINKS` the number of addresses it tracks.
pub type TcpConnector<M, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize = 8> =
    FramedConnector<Tcp, M, QUEUE, MAX_FRAME, LINKS>;

/// The `tcp://` scheme on a framed stream: `HOST:PORT` is the endpoint, the path after it
/// the link.
#[derive(Clone, Copy, Debug)]
pub enum Tcp {}

impl Addressing for Tcp {
    const SCHEME: &'static str = "tcp";

    fn split(address: &str) -> Option<(&str, &str)> {
        let parsed = TcpAddress::parse(address).ok()?;
        Some((parsed.endpoint, parsed.link))
    }
}
