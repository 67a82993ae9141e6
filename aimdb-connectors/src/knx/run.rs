//! The connection loop: the [`Tunnel`] state machine driven over a UDP socket and a clock,
//! the same code on embassy ([`EmbassyClock`], any [`KnxUdp`]) and on tokio.

use core::future::{Future, poll_fn};
use core::pin::pin;
use core::sync::atomic::Ordering;
use core::task::Poll;

use aimdb_core::mutex::RawMutex;

use super::KnxConnector;
use super::frames::{GroupService, MAX_FRAME};
use super::tunnel::{Event, Tunnel};
use crate::counters::bump;

/// Bytes of the receive buffer: any tunnelling frame a server sends to a client fits (a
/// larger datagram is truncated and counted as malformed).
pub const RECEIVE_BUFFER: usize = 256;

/// A UDP socket that talks to one KNXnet/IP server: it sends every datagram to the
/// server's endpoint (port 3671) and receives only datagrams from it.
///
/// On embassy, wrap an `embassy_net::udp::UdpSocket` bound to a local port: `send` is
/// `send_to(datagram, server)`, `recv` loops over `recv_from` until the sender is the
/// server. On tokio, [`TokioUdp`](super::TokioUdp) is a connected `tokio::net::UdpSocket`.
pub trait KnxUdp {
    /// A socket error; any error ends the open tunnel (it is reopened after the backoff).
    type Error;

    /// Send one datagram to the server.
    fn send(&mut self, datagram: &[u8]) -> impl Future<Output = Result<(), Self::Error>>;

    /// Receive one datagram from the server into `buffer`; returns its length. Must be
    /// cancel-safe: the loop drops this future when a timer or a telegram comes first.
    fn recv(&mut self, buffer: &mut [u8]) -> impl Future<Output = Result<usize, Self::Error>>;
}

/// A monotonic clock in milliseconds, with a timer.
pub trait Clock {
    /// Milliseconds since some fixed start.
    fn now_ms(&self) -> u64;

    /// Complete at `now_ms() >= deadline`.
    fn sleep_until(&self, deadline: u64) -> impl Future<Output = ()>;
}

/// embassy-time as the connector's [`Clock`] (needs an embassy-time driver: the MCU's, or
/// embassy-time's `std` one on a host).
#[derive(Clone, Copy, Debug, Default)]
pub struct EmbassyClock;

impl Clock for EmbassyClock {
    #[inline]
    fn now_ms(&self) -> u64 {
        embassy_time::Instant::now().as_millis()
    }

    #[inline]
    fn sleep_until(&self, deadline: u64) -> impl Future<Output = ()> {
        embassy_time::Timer::at(embassy_time::Instant::from_millis(deadline))
    }
}

impl<M: RawMutex, const QUEUE: usize, const LINKS: usize> KnxConnector<M, QUEUE, LINKS> {
    /// Run the tunnel over `udp` with embassy-time: connect, reconnect whenever the tunnel
    /// is lost, send queued telegrams and deliver arriving ones. Returns only after
    /// [`close`](Self::close) (then call it again to reconnect). The firmware spawns this as
    /// a task.
    pub async fn run<U: KnxUdp>(&self, udp: &mut U) {
        self.run_with(udp, &EmbassyClock).await;
    }

    /// [`run`](Self::run) with another clock (tokio's, a test's).
    pub async fn run_with<U: KnxUdp, C: Clock>(&self, udp: &mut U, clock: &C) {
        let mut tunnel = Tunnel::new(self.config.timing());
        let mut rx = [0u8; RECEIVE_BUFFER];
        let mut tx = [0u8; MAX_FRAME];
        let on = &mut |event: Event<'_>| self.on_event(event);
        // After a receive error, the socket is not read again until the next timeout, so a
        // socket that keeps failing cannot spin the loop.
        let mut receive = true;
        let mut closing = false;
        loop {
            while let Some(len) = tunnel.poll_transmit(clock.now_ms(), &mut tx) {
                if udp.send(&tx[..len]).await.is_err() {
                    tunnel.handle_transport_error(clock.now_ms(), on);
                }
            }
            if tunnel.is_closed() {
                self.close.reset();
                return;
            }
            let now = clock.now_ms();
            let deadline = tunnel.next_timeout().unwrap_or(u64::MAX);
            if deadline <= now {
                receive = true;
                tunnel.handle_timeout(now, on);
                continue;
            }
            let ready = tunnel.ready();
            let next = select4(
                async {
                    if receive {
                        udp.recv(&mut rx).await
                    } else {
                        core::future::pending().await
                    }
                },
                async {
                    if ready {
                        self.queue.receive().await
                    } else {
                        core::future::pending().await
                    }
                },
                clock.sleep_until(deadline),
                async {
                    if closing {
                        core::future::pending().await
                    } else {
                        self.close.wait().await
                    }
                },
            )
            .await;
            let now = clock.now_ms();
            match next {
                Either4::First(Ok(len)) => {
                    let len = len.min(rx.len());
                    tunnel.handle_datagram(now, &rx[..len], on);
                }
                Either4::First(Err(_)) => {
                    receive = false;
                    tunnel.handle_transport_error(now, on);
                }
                Either4::Second(telegram) => {
                    let payload = &telegram.bytes[..usize::from(telegram.len)];
                    let sent = tunnel.send(
                        telegram.slot,
                        telegram.destination,
                        GroupService::Write,
                        payload,
                    );
                    if sent.is_err() {
                        // Checked by `publish`, so only a tunnel lost between `ready` and
                        // here; dropped and counted.
                        if let Some(link) = self.links.get(usize::from(telegram.slot)) {
                            bump(&link.dropped);
                        }
                    }
                }
                Either4::Third(()) => {
                    receive = true;
                    tunnel.handle_timeout(now, on);
                }
                Either4::Fourth(()) => {
                    closing = true;
                    tunnel.close(now, on);
                }
            }
            self.connected
                .store(tunnel.is_connected(), Ordering::Relaxed);
        }
    }
}

enum Either4<A, B, C, D> {
    First(A),
    Second(B),
    Third(C),
    Fourth(D),
}

/// Run four futures until the first finishes (the others are dropped), polled in order.
async fn select4<A: Future, B: Future, C: Future, D: Future>(
    a: A,
    b: B,
    c: C,
    d: D,
) -> Either4<A::Output, B::Output, C::Output, D::Output> {
    let (mut a, mut b, mut c, mut d) = (pin!(a), pin!(b), pin!(c), pin!(d));
    poll_fn(|cx| {
        if let Poll::Ready(x) = a.as_mut().poll(cx) {
            return Poll::Ready(Either4::First(x));
        }
        if let Poll::Ready(x) = b.as_mut().poll(cx) {
            return Poll::Ready(Either4::Second(x));
        }
        if let Poll::Ready(x) = c.as_mut().poll(cx) {
            return Poll::Ready(Either4::Third(x));
        }
        if let Poll::Ready(x) = d.as_mut().poll(cx) {
            return Poll::Ready(Either4::Fourth(x));
        }
        Poll::Pending
    })
    .await
}
