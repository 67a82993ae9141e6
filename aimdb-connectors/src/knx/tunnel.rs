//! The KNXnet/IP tunnelling client as a state machine without I/O, shared by both
//! runtimes: the driver ([`KnxConnector::run`](super::KnxConnector::run) on embassy, the
//! tokio adapter on a host) feeds it datagrams, timeouts and the time, and sends what it
//! asks for. Time is a monotonic count of milliseconds chosen by the driver.
//!
//! What it does, by the KNXnet/IP tunnelling spec (KNX 03.08.04):
//! - **Connect**: `CONNECT_REQUEST` with a tunnel CRI (link layer) and NAT HPAIs; no
//!   `CONNECT_RESPONSE` within [`KnxConfig::connect_timeout`](super::KnxConfig::connect_timeout)
//!   or a refusal: try again after a backoff that doubles from `backoff_min` to
//!   `backoff_max`.
//! - **Heartbeat**: a `CONNECTIONSTATE_REQUEST` every `heartbeat_interval`; unanswered within
//!   `heartbeat_timeout` it is repeated, up to `heartbeat_attempts` in all; then (or on an
//!   error status) the connection is lost.
//! - **Sending** one group telegram at a time: `TUNNELLING_REQUEST` with the send sequence
//!   counter; no `TUNNELLING_ACK` within `ack_timeout` (1 s): sent once more with the same
//!   counter; still none: the connection is lost (a `DISCONNECT_REQUEST` goes out and it
//!   reconnects). The counter advances on the ACK. Then the `L_Data.con` is awaited (up to
//!   `confirm_timeout`, 0 = not awaited) before the next telegram.
//! - **Receiving**: every `TUNNELLING_REQUEST` on the channel in sequence is ACKed and its
//!   cEMI handled (`L_Data.con` for our telegram, `L_Data.ind` group telegrams out as
//!   events); a repeat of the previous one (our ACK was lost) is ACKed again and dropped;
//!   any other sequence number is dropped unACKed.
//! - **Disconnect** from the server: answered with `DISCONNECT_RESPONSE`, then reconnect.
//!   [`Tunnel::close`] disconnects for good.

use super::frames::{
    self, CTRL1_CONFIRM_ERROR, Cemi, E_NO_ERROR, Frame, GroupService, GroupTelegram, Hpai,
    L_DATA_CON, L_DATA_IND, MAX_PAYLOAD, TUNNEL_LINKLAYER,
};

/// Timings of a [`Tunnel`], in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// CONNECT_REQUEST to CONNECT_RESPONSE.
    pub connect_timeout: u64,
    /// Between heartbeats.
    pub heartbeat_interval: u64,
    /// Heartbeat to its answer.
    pub heartbeat_timeout: u64,
    /// Heartbeats sent before the connection is given up (the spec's 3).
    pub heartbeat_attempts: u8,
    /// TUNNELLING_REQUEST to its ACK (the spec's 1 s).
    pub ack_timeout: u64,
    /// ACK to `L_Data.con`; 0: do not wait for it.
    pub confirm_timeout: u64,
    /// DISCONNECT_REQUEST to its answer, when closing.
    pub disconnect_timeout: u64,
    /// The first reconnect delay.
    pub backoff_min: u64,
    /// The largest reconnect delay.
    pub backoff_max: u64,
}

/// Why a connection was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// A telegram was not ACKed, twice.
    AckTimeout,
    /// No heartbeat was answered.
    HeartbeatTimeout,
    /// A heartbeat was answered with this error status (`E_CONNECTION_ID`: the server does
    /// not know the channel, e.g. after it restarted).
    HeartbeatRefused(u8),
    /// A telegram was ACKed with this error status.
    Nack(u8),
    /// The server sent DISCONNECT_REQUEST.
    ServerDisconnect,
    /// The socket reported an error (for a connected UDP socket on Linux: the server's
    /// port is closed).
    Transport,
}

/// What happened, for the connector to count and act on. `tag` is the caller's number of
/// the telegram's link, given to [`Tunnel::send`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A tunnel is open; telegrams may be sent.
    Connected {
        /// The channel.
        channel: u8,
        /// The individual address the server gave the tunnel.
        address: u16,
    },
    /// A connect attempt failed: refused with a status, or `None` for no answer in time (or
    /// a socket error).
    ConnectFailed {
        /// The CONNECT_RESPONSE status, if one came.
        status: Option<u8>,
    },
    /// The open tunnel was lost; a reconnect is scheduled.
    Lost(Loss),
    /// [`Tunnel::close`] finished: nothing more will be sent.
    Closed,
    /// The telegram was ACKed by the server.
    Sent {
        /// Its link.
        tag: u8,
    },
    /// The telegram was ACKed with an error status; it is dropped.
    Rejected {
        /// Its link.
        tag: u8,
        /// The status.
        status: u8,
    },
    /// The telegram was not ACKed before its connection was lost or closed; it is dropped.
    Dropped {
        /// Its link.
        tag: u8,
    },
    /// The server confirmed the telegram (`L_Data.con`); `ok` is false when it reports
    /// that the telegram could not be sent on the bus.
    Confirmed {
        /// Its link.
        tag: u8,
        /// No error bit.
        ok: bool,
    },
    /// No `L_Data.con` came in time; the next telegram goes out anyway.
    Unconfirmed {
        /// Its link.
        tag: u8,
    },
    /// The telegram was not ACKed in time and is sent once more.
    Retransmitted {
        /// Its link.
        tag: u8,
    },
    /// A heartbeat was answered.
    Heartbeat,
    /// A group telegram from the bus (`L_Data.ind`).
    Telegram(GroupTelegram<'a>),
    /// The server repeated a TUNNELLING_REQUEST (ACKed again, dropped).
    Duplicate,
    /// A TUNNELLING_REQUEST out of sequence (dropped, not ACKed).
    OutOfSequence,
    /// A datagram that does not decode (dropped).
    Malformed,
    /// A frame that decodes but is not for this state or channel (dropped).
    Stray,
}

/// The telegram in flight.
#[derive(Clone, Copy, Debug)]
struct Request {
    tag: u8,
    destination: u16,
    service: GroupService,
    len: u8,
    payload: [u8; MAX_PAYLOAD],
    sequence: u8,
    /// When it was last transmitted.
    sent_at: u64,
    transmissions: u8,
    acked_at: Option<u64>,
    /// An `L_Data.con` that came before the ACK.
    confirmed: Option<bool>,
}

#[derive(Clone, Copy, Debug)]
struct Probe {
    sent_at: u64,
    attempts: u8,
}

#[derive(Clone, Copy, Debug)]
struct Session {
    channel: u8,
    address: u16,
    send_sequence: u8,
    receive_sequence: u8,
    heartbeat_at: u64,
    probe: Option<Probe>,
}

#[derive(Clone, Copy, Debug)]
enum State {
    Idle { retry_at: u64 },
    Connecting { since: u64 },
    Connected(Session),
    Closing { since: u64 },
    Closed,
}

/// Frames waiting to go out.
#[derive(Clone, Copy, Debug, Default)]
struct Due {
    connect: bool,
    heartbeat: bool,
    request: bool,
    ack: Option<(u8, u8)>,
    disconnect: Option<u8>,
    disconnect_response: Option<u8>,
}

/// Why [`Tunnel::send`] did not take a telegram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// Not connected, or a telegram is still in flight ([`Tunnel::ready`] is false).
    NotReady,
    /// The payload is not one a group telegram carries (see
    /// [`GroupTelegram`]).
    BadPayload,
}

impl core::fmt::Display for SendError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            SendError::NotReady => "not connected, or a telegram is still in flight",
            SendError::BadPayload => "not a payload a group telegram carries",
        })
    }
}

impl core::error::Error for SendError {}

/// A tunnelling client connection; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct Tunnel {
    timing: Timing,
    state: State,
    backoff: u64,
    due: Due,
    request: Option<Request>,
}

impl Tunnel {
    /// A tunnel that connects at the first [`handle_timeout`](Self::handle_timeout).
    pub const fn new(timing: Timing) -> Self {
        Tunnel {
            timing,
            state: State::Idle { retry_at: 0 },
            backoff: timing.backoff_min,
            due: Due {
                connect: false,
                heartbeat: false,
                request: false,
                ack: None,
                disconnect: None,
                disconnect_response: None,
            },
            request: None,
        }
    }

    /// Whether a tunnel is open.
    pub fn is_connected(&self) -> bool {
        matches!(self.state, State::Connected(_))
    }

    /// Whether [`close`](Self::close) finished.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// The open tunnel's channel and individual address.
    pub fn connection(&self) -> Option<(u8, u16)> {
        match self.state {
            State::Connected(s) => Some((s.channel, s.address)),
            _ => None,
        }
    }

    /// Whether [`send`](Self::send) takes a telegram now: connected, none in flight.
    pub fn ready(&self) -> bool {
        self.is_connected() && self.request.is_none()
    }

    /// Send a group telegram to `destination` (a group address); `payload` as
    /// [`GroupTelegram`] describes it.
    pub fn send(
        &mut self,
        tag: u8,
        destination: u16,
        service: GroupService,
        payload: &[u8],
    ) -> Result<(), SendError> {
        let State::Connected(session) = self.state else {
            return Err(SendError::NotReady);
        };
        if self.request.is_some() {
            return Err(SendError::NotReady);
        }
        let mut check = [0u8; frames::MAX_FRAME];
        frames::group_request(destination, service, payload, &mut check)
            .map_err(|_| SendError::BadPayload)?;
        let mut request = Request {
            tag,
            destination,
            service,
            len: payload.len() as u8,
            payload: [0; MAX_PAYLOAD],
            sequence: session.send_sequence,
            sent_at: 0,
            transmissions: 0,
            acked_at: None,
            confirmed: None,
        };
        request.payload[..payload.len()].copy_from_slice(payload);
        self.request = Some(request);
        self.due.request = true;
        Ok(())
    }

    /// Disconnect for good: a DISCONNECT_REQUEST if connected, then [`Event::Closed`] on its
    /// answer or after `disconnect_timeout`.
    pub fn close(&mut self, now: u64, on: &mut impl FnMut(Event<'_>)) {
        self.drop_request(on);
        match self.state {
            State::Connected(session) => {
                self.due = Due {
                    disconnect: Some(session.channel),
                    ..Due::default()
                };
                self.state = State::Closing { since: now };
            }
            State::Closing { .. } | State::Closed => {}
            State::Idle { .. } | State::Connecting { .. } => {
                self.due = Due::default();
                self.state = State::Closed;
                on(Event::Closed);
            }
        }
    }

    /// The next frame to send, written into `out` (at least [`frames::MAX_FRAME`] bytes);
    /// call until `None` after every `handle_*` and `send`.
    pub fn poll_transmit(&mut self, now: u64, out: &mut [u8]) -> Option<usize> {
        loop {
            let frame = self.next_frame(now)?;
            let mut cemi = [0u8; frames::MAX_FRAME];
            let frame = match frame {
                Outgoing::Frame(frame) => frame,
                Outgoing::Request { channel, request } => {
                    let len = frames::group_request(
                        request.destination,
                        request.service,
                        &request.payload[..usize::from(request.len)],
                        &mut cemi,
                    )
                    .ok()?;
                    Frame::TunnellingRequest {
                        channel,
                        sequence: request.sequence,
                        cemi: &cemi[..len],
                    }
                }
            };
            if let Ok(len) = frame.encode(out) {
                return Some(len);
            }
            // A buffer too small for this frame: it is dropped, try the next one.
        }
    }

    fn next_frame(&mut self, now: u64) -> Option<Outgoing> {
        if let Some(channel) = self.due.disconnect_response.take() {
            return Some(Outgoing::Frame(Frame::DisconnectResponse {
                channel,
                status: E_NO_ERROR,
            }));
        }
        if let Some((channel, sequence)) = self.due.ack.take() {
            return Some(Outgoing::Frame(Frame::TunnellingAck {
                channel,
                sequence,
                status: E_NO_ERROR,
            }));
        }
        if let Some(channel) = self.due.disconnect.take() {
            return Some(Outgoing::Frame(Frame::DisconnectRequest {
                channel,
                control: Hpai::NAT,
            }));
        }
        if core::mem::take(&mut self.due.connect) && matches!(self.state, State::Connecting { .. })
        {
            return Some(Outgoing::Frame(Frame::ConnectRequest {
                control: Hpai::NAT,
                data: Hpai::NAT,
                layer: TUNNEL_LINKLAYER,
            }));
        }
        let State::Connected(session) = self.state else {
            return None;
        };
        if core::mem::take(&mut self.due.heartbeat) {
            return Some(Outgoing::Frame(Frame::ConnectionStateRequest {
                channel: session.channel,
                control: Hpai::NAT,
            }));
        }
        if core::mem::take(&mut self.due.request)
            && let Some(request) = self.request.as_mut()
        {
            request.sent_at = now;
            request.transmissions += 1;
            return Some(Outgoing::Request {
                channel: session.channel,
                request: *request,
            });
        }
        None
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due (`None`: closed).
    pub fn next_timeout(&self) -> Option<u64> {
        let t = &self.timing;
        match self.state {
            State::Idle { retry_at } => Some(retry_at),
            State::Connecting { since } => Some(since + t.connect_timeout),
            State::Closing { since } => Some(since + t.disconnect_timeout),
            State::Closed => None,
            State::Connected(session) => {
                let heartbeat = match session.probe {
                    Some(probe) => probe.sent_at + t.heartbeat_timeout,
                    None => session.heartbeat_at,
                };
                let request = self.request.and_then(|r| match r.acked_at {
                    None if r.transmissions > 0 => Some(r.sent_at + t.ack_timeout),
                    None => None,
                    Some(acked) => Some(acked + t.confirm_timeout),
                });
                Some(request.map_or(heartbeat, |r| r.min(heartbeat)))
            }
        }
    }

    /// Act on the time: connect, time out, retransmit, send a heartbeat.
    pub fn handle_timeout(&mut self, now: u64, on: &mut impl FnMut(Event<'_>)) {
        let t = self.timing;
        match self.state {
            State::Idle { retry_at } if now >= retry_at => {
                self.state = State::Connecting { since: now };
                self.due.connect = true;
            }
            State::Connecting { since } if now >= since + t.connect_timeout => {
                on(Event::ConnectFailed { status: None });
                self.idle(now);
            }
            State::Closing { since } if now >= since + t.disconnect_timeout => {
                self.state = State::Closed;
                on(Event::Closed);
            }
            State::Connected(mut session) => {
                if let Some(request) = self.request {
                    match request.acked_at {
                        None if request.transmissions > 0
                            && now >= request.sent_at + t.ack_timeout =>
                        {
                            if request.transmissions >= 2 {
                                self.lose(now, Loss::AckTimeout, true, on);
                                return;
                            }
                            self.due.request = true;
                            on(Event::Retransmitted { tag: request.tag });
                        }
                        Some(acked) if now >= acked + t.confirm_timeout => {
                            self.request = None;
                            on(Event::Unconfirmed { tag: request.tag });
                        }
                        _ => {}
                    }
                }
                match session.probe.as_mut() {
                    None if now >= session.heartbeat_at => {
                        self.due.heartbeat = true;
                        session.probe = Some(Probe {
                            sent_at: now,
                            attempts: 1,
                        });
                    }
                    Some(probe) if now >= probe.sent_at + t.heartbeat_timeout => {
                        if probe.attempts >= t.heartbeat_attempts {
                            self.lose(now, Loss::HeartbeatTimeout, true, on);
                            return;
                        }
                        self.due.heartbeat = true;
                        probe.attempts += 1;
                        probe.sent_at = now;
                    }
                    _ => {}
                }
                self.state = State::Connected(session);
            }
            _ => {}
        }
    }

    /// The socket failed (a send or a receive): the open tunnel or the connect attempt is
    /// over.
    pub fn handle_transport_error(&mut self, now: u64, on: &mut impl FnMut(Event<'_>)) {
        match self.state {
            State::Connected(_) => self.lose(now, Loss::Transport, false, on),
            State::Connecting { .. } => {
                on(Event::ConnectFailed { status: None });
                self.idle(now);
            }
            State::Closing { .. } => {
                self.due = Due::default();
                self.state = State::Closed;
                on(Event::Closed);
            }
            State::Idle { .. } | State::Closed => {}
        }
    }

    /// Handle one datagram from the server.
    pub fn handle_datagram<'b>(
        &mut self,
        now: u64,
        bytes: &'b [u8],
        on: &mut impl FnMut(Event<'b>),
    ) {
        let Ok(frame) = Frame::decode(bytes) else {
            on(Event::Malformed);
            return;
        };
        match (frame, self.state) {
            (
                Frame::ConnectResponse {
                    channel,
                    status,
                    data,
                },
                State::Connecting { .. },
            ) => match data {
                Some((_, address)) if status == E_NO_ERROR => {
                    self.state = State::Connected(Session {
                        channel,
                        address,
                        send_sequence: 0,
                        receive_sequence: 0,
                        heartbeat_at: now + self.timing.heartbeat_interval,
                        probe: None,
                    });
                    self.backoff = self.timing.backoff_min;
                    on(Event::Connected { channel, address });
                }
                _ => {
                    on(Event::ConnectFailed {
                        status: Some(status),
                    });
                    self.idle(now);
                }
            },
            (Frame::ConnectionStateResponse { channel, status }, State::Connected(mut session))
                if channel == session.channel && session.probe.is_some() =>
            {
                if status != E_NO_ERROR {
                    self.lose(now, Loss::HeartbeatRefused(status), false, on);
                    return;
                }
                session.probe = None;
                session.heartbeat_at = now + self.timing.heartbeat_interval;
                self.state = State::Connected(session);
                on(Event::Heartbeat);
            }
            (Frame::DisconnectRequest { channel, .. }, state) => {
                self.due.disconnect_response = Some(channel);
                match state {
                    State::Connected(session) if session.channel == channel => {
                        self.lose(now, Loss::ServerDisconnect, false, on);
                    }
                    State::Closing { .. } => {
                        self.state = State::Closed;
                        on(Event::Closed);
                    }
                    _ => on(Event::Stray),
                }
            }
            (Frame::DisconnectResponse { .. }, State::Closing { .. }) => {
                self.state = State::Closed;
                on(Event::Closed);
            }
            (
                Frame::TunnellingAck {
                    channel,
                    sequence,
                    status,
                },
                State::Connected(session),
            ) if channel == session.channel => self.ack(now, session, sequence, status, on),
            (
                Frame::TunnellingRequest {
                    channel,
                    sequence,
                    cemi,
                },
                State::Connected(mut session),
            ) if channel == session.channel => {
                if sequence == session.receive_sequence {
                    self.due.ack = Some((channel, sequence));
                    session.receive_sequence = sequence.wrapping_add(1);
                    self.state = State::Connected(session);
                    self.cemi(cemi, on);
                } else if sequence == session.receive_sequence.wrapping_sub(1) {
                    self.due.ack = Some((channel, sequence));
                    on(Event::Duplicate);
                } else {
                    on(Event::OutOfSequence);
                }
            }
            _ => on(Event::Stray),
        }
    }

    fn ack<'b>(
        &mut self,
        now: u64,
        mut session: Session,
        sequence: u8,
        status: u8,
        on: &mut impl FnMut(Event<'b>),
    ) {
        let Some(request) = self
            .request
            .as_mut()
            .filter(|r| r.sequence == sequence && r.acked_at.is_none() && r.transmissions > 0)
        else {
            on(Event::Stray);
            return;
        };
        let tag = request.tag;
        if status != E_NO_ERROR {
            on(Event::Rejected { tag, status });
            self.request = None;
            self.lose(now, Loss::Nack(status), true, on);
            return;
        }
        request.acked_at = Some(now);
        self.due.request = false;
        session.send_sequence = session.send_sequence.wrapping_add(1);
        self.state = State::Connected(session);
        on(Event::Sent { tag });
        if let Some(ok) = request.confirmed {
            on(Event::Confirmed { tag, ok });
            self.request = None;
        } else if self.timing.confirm_timeout == 0 {
            self.request = None;
        }
    }

    fn cemi<'b>(&mut self, bytes: &'b [u8], on: &mut impl FnMut(Event<'b>)) {
        let Ok(cemi) = Cemi::decode(bytes) else {
            on(Event::Malformed);
            return;
        };
        match cemi.code {
            L_DATA_CON => {
                let ok = cemi.ctrl1 & CTRL1_CONFIRM_ERROR == 0;
                match self.request.as_mut() {
                    Some(request)
                        if request.destination == cemi.destination
                            && request.confirmed.is_none() =>
                    {
                        if request.acked_at.is_some() {
                            let tag = request.tag;
                            self.request = None;
                            on(Event::Confirmed { tag, ok });
                        } else {
                            request.confirmed = Some(ok);
                        }
                    }
                    _ => on(Event::Stray),
                }
            }
            L_DATA_IND => match cemi.group() {
                Some(telegram) => on(Event::Telegram(telegram)),
                None => on(Event::Stray),
            },
            _ => on(Event::Stray),
        }
    }

    fn drop_request<'b>(&mut self, on: &mut impl FnMut(Event<'b>)) {
        if let Some(request) = self.request.take()
            && request.acked_at.is_none()
        {
            on(Event::Dropped { tag: request.tag });
        }
        self.due.request = false;
    }

    /// The open tunnel is gone: drop what is in flight, maybe say so to the server, and
    /// reconnect after the shortest backoff.
    fn lose<'b>(&mut self, now: u64, loss: Loss, disconnect: bool, on: &mut impl FnMut(Event<'b>)) {
        let channel = match self.state {
            State::Connected(session) => session.channel,
            _ => return,
        };
        self.drop_request(on);
        let reply = self.due.disconnect_response;
        self.due = Due {
            disconnect: disconnect.then_some(channel),
            disconnect_response: reply,
            ..Due::default()
        };
        self.backoff = self.timing.backoff_min;
        self.idle(now);
        on(Event::Lost(loss));
    }

    /// Wait for the backoff, then connect; the next wait is twice as long.
    fn idle(&mut self, now: u64) {
        self.state = State::Idle {
            retry_at: now + self.backoff,
        };
        self.backoff = (self.backoff.saturating_mul(2)).min(self.timing.backoff_max);
    }
}

enum Outgoing {
    Frame(Frame<'static>),
    Request { channel: u8, request: Request },
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    use super::*;
    use crate::knx::frames::{
        CONNECT_REQUEST, CONNECTIONSTATE_REQUEST, DISCONNECT_REQUEST, E_CONNECTION_ID,
        E_NO_MORE_CONNECTIONS, TUNNELLING_ACK, TUNNELLING_REQUEST,
    };

    const TIMING: Timing = Timing {
        connect_timeout: 1_000,
        heartbeat_interval: 60_000,
        heartbeat_timeout: 10_000,
        heartbeat_attempts: 3,
        ack_timeout: 1_000,
        confirm_timeout: 3_000,
        disconnect_timeout: 1_000,
        backoff_min: 100,
        backoff_max: 800,
    };

    #[derive(Debug, PartialEq)]
    enum Seen {
        Connected(u8, u16),
        ConnectFailed(Option<u8>),
        Lost(Loss),
        Closed,
        Sent(u8),
        Rejected(u8, u8),
        Dropped(u8),
        Confirmed(u8, bool),
        Unconfirmed(u8),
        Retransmitted(u8),
        Heartbeat,
        Telegram(GroupService, u16, Vec<u8>),
        Duplicate,
        OutOfSequence,
        Malformed,
        Stray,
    }

    fn seen(event: Event<'_>) -> Seen {
        match event {
            Event::Connected { channel, address } => Seen::Connected(channel, address),
            Event::ConnectFailed { status } => Seen::ConnectFailed(status),
            Event::Lost(loss) => Seen::Lost(loss),
            Event::Closed => Seen::Closed,
            Event::Sent { tag } => Seen::Sent(tag),
            Event::Rejected { tag, status } => Seen::Rejected(tag, status),
            Event::Dropped { tag } => Seen::Dropped(tag),
            Event::Confirmed { tag, ok } => Seen::Confirmed(tag, ok),
            Event::Unconfirmed { tag } => Seen::Unconfirmed(tag),
            Event::Retransmitted { tag } => Seen::Retransmitted(tag),
            Event::Heartbeat => Seen::Heartbeat,
            Event::Telegram(t) => {
                let mut buf = [0u8; MAX_PAYLOAD];
                let payload = t.copy_payload(&mut buf).unwrap().to_vec();
                Seen::Telegram(t.service, t.destination, payload)
            }
            Event::Duplicate => Seen::Duplicate,
            Event::OutOfSequence => Seen::OutOfSequence,
            Event::Malformed => Seen::Malformed,
            Event::Stray => Seen::Stray,
        }
    }

    /// A tunnel and a scripted server around it.
    struct Harness {
        tunnel: Tunnel,
        now: u64,
        events: Vec<Seen>,
    }

    impl Harness {
        fn new() -> Self {
            Harness {
                tunnel: Tunnel::new(TIMING),
                now: 0,
                events: Vec::new(),
            }
        }

        fn sent(&mut self) -> Vec<Vec<u8>> {
            let mut out = Vec::new();
            let mut buf = [0u8; frames::MAX_FRAME];
            while let Some(n) = self.tunnel.poll_transmit(self.now, &mut buf) {
                out.push(buf[..n].to_vec());
            }
            out
        }

        fn services(&mut self) -> Vec<u16> {
            self.sent()
                .iter()
                .map(|f| Frame::decode(f).unwrap().service())
                .collect()
        }

        fn receive(&mut self, frame: Frame<'_>) {
            let mut buf = [0u8; 64];
            let n = frame.encode(&mut buf).unwrap();
            let events = &mut self.events;
            self.tunnel
                .handle_datagram(self.now, &buf[..n], &mut |e| events.push(seen(e)));
        }

        fn advance(&mut self, ms: u64) {
            self.now += ms;
            let events = &mut self.events;
            self.tunnel
                .handle_timeout(self.now, &mut |e| events.push(seen(e)));
        }

        fn take(&mut self) -> Vec<Seen> {
            core::mem::take(&mut self.events)
        }

        fn connected(channel: u8) -> Self {
            let mut h = Harness::new();
            h.advance(0);
            assert_eq!(h.services(), [CONNECT_REQUEST]);
            h.receive(Frame::ConnectResponse {
                channel,
                status: 0,
                data: Some((Hpai::NAT, 0x0002)),
            });
            assert_eq!(h.take(), [Seen::Connected(channel, 2)]);
            h
        }

        /// The tunnelling request just sent: (sequence, cEMI).
        fn request(&mut self) -> (u8, Vec<u8>) {
            let frames = self.sent();
            assert_eq!(frames.len(), 1, "{frames:?}");
            match Frame::decode(&frames[0]).unwrap() {
                Frame::TunnellingRequest { sequence, cemi, .. } => (sequence, cemi.to_vec()),
                other => panic!("{other:?}"),
            }
        }

        fn con(&mut self, channel: u8, sequence: u8, destination: u16, error: bool) {
            let ctrl1 = 0xBC | u8::from(error);
            let [d0, d1] = destination.to_be_bytes();
            self.receive(Frame::TunnellingRequest {
                channel,
                sequence,
                cemi: &[L_DATA_CON, 0, ctrl1, 0xE0, 0, 2, d0, d1, 1, 0, 0x81],
            });
        }
    }

    #[test]
    fn a_write_is_acked_then_confirmed_and_the_con_is_acked() {
        let mut h = Harness::connected(7);
        assert!(h.tunnel.ready());
        h.tunnel
            .send(1, 0x0A03, GroupService::Write, &[0, 0x0C, 0x33])
            .unwrap();
        assert!(!h.tunnel.ready());
        let (sequence, cemi) = h.request();
        assert_eq!(sequence, 0);
        assert_eq!(cemi[6..], [0x0A, 0x03, 3, 0x00, 0x80, 0x0C, 0x33]);
        h.receive(Frame::TunnellingAck {
            channel: 7,
            sequence: 0,
            status: 0,
        });
        assert_eq!(h.take(), [Seen::Sent(1)]);
        assert!(!h.tunnel.ready(), "waits for the L_Data.con");
        h.con(7, 0, 0x0A03, false);
        assert_eq!(h.take(), [Seen::Confirmed(1, true)]);
        let acks = h.sent();
        assert_eq!(
            Frame::decode(&acks[0]),
            Ok(Frame::TunnellingAck {
                channel: 7,
                sequence: 0,
                status: 0
            })
        );
        assert!(h.tunnel.ready());
        // The next telegram has the next sequence number.
        h.tunnel.send(1, 0x0A03, GroupService::Write, &[1]).unwrap();
        assert_eq!(h.request().0, 1);
    }

    #[test]
    fn a_con_before_the_ack_still_completes_the_telegram() {
        let mut h = Harness::connected(1);
        h.tunnel.send(4, 0x0A04, GroupService::Write, &[1]).unwrap();
        h.request();
        h.con(1, 0, 0x0A04, true);
        assert_eq!(h.take(), []);
        h.receive(Frame::TunnellingAck {
            channel: 1,
            sequence: 0,
            status: 0,
        });
        assert_eq!(h.take(), [Seen::Sent(4), Seen::Confirmed(4, false)]);
        assert!(h.tunnel.ready());
    }

    #[test]
    fn a_missing_ack_is_retransmitted_once_then_the_connection_is_dropped() {
        let mut h = Harness::connected(3);
        h.tunnel.send(2, 0x0A03, GroupService::Write, &[1]).unwrap();
        let first = h.request();
        h.advance(999);
        assert_eq!(h.sent(), Vec::<Vec<u8>>::new());
        h.advance(1);
        assert_eq!(h.take(), [Seen::Retransmitted(2)]);
        assert_eq!(h.request(), first, "same sequence number, same telegram");
        h.advance(1_000);
        assert_eq!(h.take(), [Seen::Dropped(2), Seen::Lost(Loss::AckTimeout)]);
        assert_eq!(h.services(), [DISCONNECT_REQUEST]);
        assert!(!h.tunnel.is_connected());
        // Reconnects after backoff_min.
        h.advance(99);
        assert_eq!(h.services(), Vec::<u16>::new());
        h.advance(1);
        assert_eq!(h.services(), [CONNECT_REQUEST]);
    }

    #[test]
    fn inbound_requests_are_acked_in_sequence_and_duplicates_dropped() {
        let mut h = Harness::connected(5);
        let write = |value: u8| {
            [
                L_DATA_IND,
                0,
                0xBC,
                0xE0,
                0x11,
                0x05,
                0x0A,
                0x04,
                1,
                0,
                0x80 | value,
            ]
        };
        let (a, b) = (write(1), write(0));
        h.receive(Frame::TunnellingRequest {
            channel: 5,
            sequence: 0,
            cemi: &a,
        });
        assert_eq!(h.services(), [TUNNELLING_ACK]);
        h.receive(Frame::TunnellingRequest {
            channel: 5,
            sequence: 0,
            cemi: &a,
        });
        assert_eq!(h.services(), [TUNNELLING_ACK], "the repeat is ACKed again");
        h.receive(Frame::TunnellingRequest {
            channel: 5,
            sequence: 5,
            cemi: &b,
        });
        assert_eq!(h.services(), Vec::<u16>::new(), "out of sequence: no ACK");
        h.receive(Frame::TunnellingRequest {
            channel: 6,
            sequence: 1,
            cemi: &b,
        });
        h.receive(Frame::TunnellingRequest {
            channel: 5,
            sequence: 1,
            cemi: &b,
        });
        assert_eq!(h.services(), [TUNNELLING_ACK]);
        assert_eq!(
            h.take(),
            [
                Seen::Telegram(GroupService::Write, 0x0A04, vec![1]),
                Seen::Duplicate,
                Seen::OutOfSequence,
                Seen::Stray,
                Seen::Telegram(GroupService::Write, 0x0A04, vec![0]),
            ]
        );
        // A malformed cEMI in sequence is still ACKed (it was received), then dropped.
        h.receive(Frame::TunnellingRequest {
            channel: 5,
            sequence: 2,
            cemi: &[L_DATA_IND, 9, 0],
        });
        assert_eq!(h.services(), [TUNNELLING_ACK]);
        assert_eq!(h.take(), [Seen::Malformed]);
    }

    #[test]
    fn heartbeats_keep_the_tunnel_and_unanswered_ones_lose_it() {
        let mut h = Harness::connected(2);
        h.advance(60_000);
        assert_eq!(h.services(), [CONNECTIONSTATE_REQUEST]);
        h.receive(Frame::ConnectionStateResponse {
            channel: 2,
            status: 0,
        });
        assert_eq!(h.take(), [Seen::Heartbeat]);
        h.advance(59_999);
        assert_eq!(h.services(), Vec::<u16>::new());
        h.advance(1);
        assert_eq!(h.services(), [CONNECTIONSTATE_REQUEST]);
        for _ in 0..2 {
            h.advance(10_000);
            assert_eq!(h.services(), [CONNECTIONSTATE_REQUEST], "repeated");
        }
        h.advance(10_000);
        assert_eq!(h.take(), [Seen::Lost(Loss::HeartbeatTimeout)]);
        assert_eq!(h.services(), [DISCONNECT_REQUEST]);
    }

    #[test]
    fn a_restarted_server_refuses_the_heartbeat_and_the_client_reconnects() {
        let mut h = Harness::connected(1);
        h.advance(60_000);
        h.services();
        h.receive(Frame::ConnectionStateResponse {
            channel: 1,
            status: E_CONNECTION_ID,
        });
        assert_eq!(
            h.take(),
            [Seen::Lost(Loss::HeartbeatRefused(E_CONNECTION_ID))]
        );
        h.advance(100);
        assert_eq!(h.services(), [CONNECT_REQUEST]);
        h.receive(Frame::ConnectResponse {
            channel: 9,
            status: 0,
            data: Some((Hpai::NAT, 0x0003)),
        });
        assert_eq!(h.take(), [Seen::Connected(9, 3)]);
        h.tunnel.send(0, 1, GroupService::Write, &[1]).unwrap();
        assert_eq!(h.request().0, 0, "sequence numbers start again");
    }

    #[test]
    fn refused_and_unanswered_connects_back_off_exponentially() {
        let mut h = Harness::new();
        h.advance(0);
        assert_eq!(h.services(), [CONNECT_REQUEST]);
        h.receive(Frame::ConnectResponse {
            channel: 0,
            status: E_NO_MORE_CONNECTIONS,
            data: None,
        });
        assert_eq!(h.take(), [Seen::ConnectFailed(Some(E_NO_MORE_CONNECTIONS))]);
        let mut attempts = Vec::new();
        let start = h.now;
        while attempts.len() < 5 {
            h.advance(10);
            if h.services() == [CONNECT_REQUEST] {
                attempts.push(h.now - start);
            }
        }
        // 100 ms after the refusal; then each unanswered attempt times out after 1 s and
        // waits 200, 400, 800, 800 ms.
        assert_eq!(attempts, [100, 1_300, 2_700, 4_500, 6_300]);
        assert!(h.take().iter().all(|e| *e == Seen::ConnectFailed(None)));
    }

    #[test]
    fn a_server_disconnect_is_answered_and_reconnected() {
        let mut h = Harness::connected(4);
        h.tunnel.send(3, 1, GroupService::Write, &[0]).unwrap();
        h.request();
        h.receive(Frame::DisconnectRequest {
            channel: 4,
            control: Hpai::NAT,
        });
        assert_eq!(
            h.take(),
            [Seen::Dropped(3), Seen::Lost(Loss::ServerDisconnect)]
        );
        let reply = h.sent();
        assert_eq!(
            Frame::decode(&reply[0]),
            Ok(Frame::DisconnectResponse {
                channel: 4,
                status: 0
            })
        );
        h.advance(100);
        assert_eq!(h.services(), [CONNECT_REQUEST]);
    }

    #[test]
    fn a_nack_drops_the_telegram_and_the_connection() {
        let mut h = Harness::connected(4);
        h.tunnel.send(3, 1, GroupService::Write, &[0]).unwrap();
        h.request();
        h.receive(Frame::TunnellingAck {
            channel: 4,
            sequence: 0,
            status: E_CONNECTION_ID,
        });
        assert_eq!(
            h.take(),
            [
                Seen::Rejected(3, E_CONNECTION_ID),
                Seen::Lost(Loss::Nack(E_CONNECTION_ID))
            ]
        );
        assert_eq!(h.services(), [DISCONNECT_REQUEST]);
    }

    #[test]
    fn an_unconfirmed_telegram_frees_the_tunnel_after_the_timeout() {
        let mut h = Harness::connected(1);
        h.tunnel.send(0, 1, GroupService::Write, &[0]).unwrap();
        h.request();
        h.receive(Frame::TunnellingAck {
            channel: 1,
            sequence: 0,
            status: 0,
        });
        h.advance(2_999);
        assert!(!h.tunnel.ready());
        h.advance(1);
        assert_eq!(h.take(), [Seen::Sent(0), Seen::Unconfirmed(0)]);
        assert!(h.tunnel.ready());
    }

    #[test]
    fn close_disconnects_and_ends() {
        let mut h = Harness::connected(8);
        let events = &mut h.events;
        h.tunnel.close(h.now, &mut |e| events.push(seen(e)));
        assert_eq!(h.services(), [DISCONNECT_REQUEST]);
        assert!(!h.tunnel.is_closed());
        h.receive(Frame::DisconnectResponse {
            channel: 8,
            status: 0,
        });
        assert_eq!(h.take(), [Seen::Closed]);
        assert!(h.tunnel.is_closed());
        assert_eq!(h.tunnel.next_timeout(), None);
        h.advance(100_000);
        assert_eq!(h.services(), Vec::<u16>::new());
    }

    #[test]
    fn sends_are_refused_when_not_ready_or_not_a_telegram() {
        let mut h = Harness::new();
        assert_eq!(
            h.tunnel.send(0, 1, GroupService::Write, &[0]),
            Err(SendError::NotReady)
        );
        let mut h = Harness::connected(1);
        assert_eq!(
            h.tunnel.send(0, 1, GroupService::Write, &[0x40]),
            Err(SendError::BadPayload)
        );
        h.tunnel.send(0, 1, GroupService::Write, &[0]).unwrap();
        assert_eq!(
            h.tunnel.send(0, 1, GroupService::Write, &[0]),
            Err(SendError::NotReady)
        );
        assert_eq!(h.services(), [TUNNELLING_REQUEST]);
    }

    #[test]
    fn junk_and_frames_for_other_states_are_dropped() {
        let mut h = Harness::connected(1);
        let events = &mut h.events;
        h.tunnel
            .handle_datagram(0, &[1, 2, 3], &mut |e| events.push(seen(e)));
        h.receive(Frame::ConnectResponse {
            channel: 2,
            status: 0,
            data: Some((Hpai::NAT, 5)),
        });
        h.receive(Frame::TunnellingAck {
            channel: 1,
            sequence: 9,
            status: 0,
        });
        assert_eq!(h.take(), [Seen::Malformed, Seen::Stray, Seen::Stray]);
        assert_eq!(h.tunnel.connection(), Some((1, 2)));
    }
}
