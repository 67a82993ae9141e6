//! The KNX connector on tokio (feature `knx-tokio`): a connected `tokio::net::UdpSocket` as
//! the [`KnxUdp`], tokio's timer as the [`Clock`], and [`KnxConnector::start`].

use std::boxed::Box;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use aimdb_core::mutex::RawMutex;
use tokio::net::UdpSocket;

use super::{Clock, KnxConfig, KnxConnector, KnxUdp};

/// A UDP socket connected to one KNXnet/IP server: it sends only to the server and
/// receives only from it.
#[derive(Debug)]
pub struct TokioUdp(pub UdpSocket);

impl TokioUdp {
    /// Bind an ephemeral port on the unspecified address of `server`'s family and connect
    /// it to `server` (a KNX/IP interface's or knxd's `HOST:3671`).
    pub async fn connect(server: SocketAddr) -> io::Result<Self> {
        let local: SocketAddr = if server.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local).await?;
        socket.connect(server).await?;
        Ok(TokioUdp(socket))
    }
}

impl KnxUdp for TokioUdp {
    type Error = io::Error;

    async fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
        self.0.send(datagram).await.map(drop)
    }

    async fn recv(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        // `UdpSocket::recv` is cancel-safe.
        self.0.recv(buffer).await
    }
}

/// tokio's timer as the connector's [`Clock`]: milliseconds since the clock was made.
#[derive(Clone, Copy, Debug)]
pub struct TokioClock(tokio::time::Instant);

impl TokioClock {
    /// A clock starting now.
    pub fn new() -> Self {
        TokioClock(tokio::time::Instant::now())
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn sleep_until(&self, deadline: u64) -> impl Future<Output = ()> {
        let at = self
            .0
            .checked_add(core::time::Duration::from_millis(deadline))
            // Far enough: a deadline that overflows the clock never comes.
            .unwrap_or_else(|| self.0 + core::time::Duration::from_secs(86_400 * 365 * 30));
        tokio::time::sleep_until(at)
    }
}

impl<M, const QUEUE: usize, const LINKS: usize> KnxConnector<M, QUEUE, LINKS>
where
    M: RawMutex + Send + Sync + 'static,
{
    /// Create the connector (leaked once: it lives as long as the process, like the
    /// records it links), bind a UDP socket to `server` and spawn the connection loop on
    /// the current tokio runtime. Connecting happens in the background; links can be
    /// attached and values published at once. The loop ends after
    /// [`close`](KnxConnector::close).
    pub fn start(config: KnxConfig, server: SocketAddr) -> io::Result<&'static Self> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            io::Error::other("KnxConnector::start must be called inside a tokio runtime")
        })?;
        let local: SocketAddr = if server.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = std::net::UdpSocket::bind(local)?;
        socket.connect(server)?;
        socket.set_nonblocking(true)?;
        let connector: &'static Self = Box::leak(Box::new(KnxConnector::new(config)));
        let _guard = runtime.enter();
        let mut udp = TokioUdp(UdpSocket::from_std(socket)?);
        runtime.spawn(async move {
            connector.run_with(&mut udp, &TokioClock::new()).await;
        });
        Ok(connector)
    }
}
