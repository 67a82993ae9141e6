//! `ws://` on a browser node (`runtime = "wasm"`, feature `ws-wasm`): the node's links to a
//! host node's WebSocket connector ([`crate::ws`] on the host), with no broker between.
//!
//! ```ignore
//! static WS: WsLinks<8, 64, 4> = WsLinks::new();
//! #[embassy_executor::task]
//! async fn ws_links(server: &'static str, token: &'static str) {
//!     WS.run(server, token).await // server: "ws://127.0.0.1:8080", the page's own host
//! }
//! // NODE::spawn(spawner, NODE::Links { ws: &WS });
//! ```
//!
//! - **One socket per link**, at `SERVER/link/PATH` (`PATH`, the link address before `?`,
//!   percent-encoded; `?token=..` appended when a token is given): the host's connector
//!   tells a node peer from its page by that path (the page uses `/ws` and JSON).
//! - **One value per binary message, exactly the link's codec bytes** (a named codec's
//!   contract header included, as on every other transport): no envelope, no id, no JSON.
//!   The receiving side's deserializer checks the header (`aimdb_core::contract`).
//! - **Outbound** values queue in the kit's [`Outbox`] with the overflow policy of each
//!   link's record buffer (`register_outbound`), and go out in order, each when its link's
//!   socket is open and holds less than 64 KiB unsent (`bufferedAmount`): a value waits for
//!   its socket, and the queue's policy decides what a full queue drops.
//! - **Inbound** messages are copied into one receive buffer (allocated once per
//!   [`run`](WsLinks::run)) in the socket's `onmessage` callback and delivered to the link's
//!   route at once ([`Links::deliver`], counted on the link: `received`, `decode_errors`,
//!   `schema_mismatch`). A message larger than `MAX_PAYLOAD` or not binary is counted and
//!   skipped; the socket stays open.
//! - **Reconnect**: a socket that closes or fails is opened again after a backoff (250 ms,
//!   doubling to 2 s; back to 250 ms once open).
//! - Nothing is allocated per message by this module: the sockets and their callbacks are
//!   made per connection, the buffers once.
//!
//! Outside wasm32 this builds (the bindings fail only when called), so the crate's
//! `--all-features` build stays whole on the host; it is only used in a browser.

extern crate alloc;

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use core::cell::{Cell, RefCell};
use core::future::{Future, poll_fn};
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use aimdb_core::address::ws::WsAddress;
use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{Connector, InboundRoute, PublishError, Skipped};
use aimdb_core::mutex::CriticalSectionRawMutex;
use embassy_sync::blocking_mutex::Mutex;
use embassy_time::{Duration, Instant, Timer};
use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, MessageEvent, WebSocket};

use crate::counters::{bump, counters};
use crate::kit::frame::link_id;
use crate::kit::links::{LinkStats, Links};
use crate::kit::outbox::{Outbox, Pushed};

/// The first wait before a closed socket is opened again; doubled per failure.
const BACKOFF_MIN: Duration = Duration::from_millis(250);
/// The longest wait before a closed socket is opened again.
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// Bytes a socket may hold unsent in the browser (`bufferedAmount`) before the next value
/// waits for it to drain.
const SEND_BACKLOG: u32 = 64 * 1024;
/// How often a backed-up socket is looked at again (the browser has no event for "drained").
const BACKLOG_POLL: Duration = Duration::from_millis(10);

counters! {
    /// The live connector-wide counters.
    pub(crate) struct ConnectorCounters: AtomicU32;
    /// A snapshot of a browser node's `ws://` connector's counters.
    pub struct WsLinksStats: u32 {
        /// Sockets opened (one per link, again after each loss).
        connects,
        /// Sockets that closed or failed after they had opened.
        reconnects,
        /// Binary messages sent (one value each).
        sent,
        /// Binary messages received (routed or not).
        received,
        /// Received messages that were not binary (skipped).
        malformed,
        /// Received messages larger than `MAX_PAYLOAD` (skipped), plus outbound values too
        /// large for the queue.
        oversize,
        /// Link addresses the `ws` grammar refuses, routes the link table could not take
        /// (full, id collision).
        invalid_links,
        /// Values that did not go out for lack of room in the queue, or because their link
        /// has no socket (all links).
        dropped,
    }
    extra {
        /// Sockets open now.
        open: u32,
        /// Values waiting in the outbound queue now.
        queued: u32,
    }
}

/// A browser node's `ws://` connector: `QUEUE` outbound values of up to `MAX_PAYLOAD`
/// bytes queued, `LINKS` links (one socket each); see the [module docs](self). Lives in a
/// `static` (`const fn new`) or is leaked once; [`run`](Self::run) drives its sockets.
pub struct WsLinks<const QUEUE: usize, const MAX_PAYLOAD: usize, const LINKS: usize = 4> {
    links: Links<CriticalSectionRawMutex, LINKS>,
    outbox: Outbox<CriticalSectionRawMutex, QUEUE, MAX_PAYLOAD>,
    /// The path of each link slot (the socket's `/link/PATH`), once declared.
    paths: Mutex<CriticalSectionRawMutex, RefCell<[Option<&'static str>; LINKS]>>,
    counters: ConnectorCounters,
    open: Mutex<CriticalSectionRawMutex, Cell<u32>>,
}

impl<const QUEUE: usize, const MAX_PAYLOAD: usize, const LINKS: usize>
    WsLinks<QUEUE, MAX_PAYLOAD, LINKS>
{
    /// A connector with an empty queue and no links.
    pub const fn new() -> Self {
        WsLinks {
            links: Links::new(),
            outbox: Outbox::new(),
            paths: Mutex::new(RefCell::new([None; LINKS])),
            counters: ConnectorCounters::new(),
            open: Mutex::new(Cell::new(0)),
        }
    }

    /// A snapshot of the connector-wide counters.
    pub fn stats(&self) -> WsLinksStats {
        self.counters
            .snapshot(self.open.lock(Cell::get), self.outbox.len() as u32)
    }

    /// A snapshot of the counters of the link at `address` (the URL without `ws://`), or
    /// `None` if no link uses it.
    pub fn link_stats(&self, address: &str) -> Option<LinkStats> {
        self.links.stats(link_id(path(address)?))
    }

    /// Note the path of the link in `slot`, so [`run`](Self::run) opens its socket.
    fn keep_path(&self, slot: usize, path: &'static str) {
        self.paths.lock(|paths| {
            if let Some(place) = paths.borrow_mut().get_mut(slot) {
                *place = Some(path);
            }
        });
    }

    fn path_of(&self, slot: usize) -> Option<&'static str> {
        self.paths
            .lock(|paths| paths.borrow().get(slot).copied().flatten())
    }

    /// Drive the sockets for as long as the page lives: open one per declared link at
    /// `server` (`ws://HOST:PORT`, the host node's ws connector; `token`, if not empty, is
    /// passed as `?token=`), send queued values, and open closed sockets again after a
    /// backoff. Inbound values are delivered from the sockets' callbacks. Call it once, from
    /// a task spawned after the node's `spawn` (which declares the links).
    pub async fn run(&'static self, server: &str, token: &str) -> ! {
        let shared = Rc::new(Shared {
            waker: RefCell::new(None),
            changed: Cell::new(false),
            rx: RefCell::new(alloc::vec![0u8; MAX_PAYLOAD].into_boxed_slice()),
        });
        let mut sockets: [Option<Socket>; LINKS] = core::array::from_fn(|_| None);
        let mut backoff = [BACKOFF_MIN; LINKS];
        let mut retry_at = [Instant::from_ticks(0); LINKS];
        let mut out = [0u8; MAX_PAYLOAD];
        // A value taken from the queue whose socket is not open yet: (slot, length).
        let mut waiting: Option<(Option<usize>, usize)> = None;
        loop {
            // Open what is closed and due; note what closed.
            let now = Instant::now();
            let mut open = 0;
            let mut next_retry: Option<Instant> = None;
            for (slot, socket) in sockets.iter_mut().enumerate() {
                let Some(path) = self.path_of(slot) else {
                    continue;
                };
                match socket.as_ref().map(|s| s.state.get()) {
                    Some(State::Open) => {
                        open += 1;
                        backoff[slot] = BACKOFF_MIN;
                    }
                    Some(State::Connecting) => {}
                    Some(State::Closed { was_open }) => {
                        if was_open {
                            bump(&self.counters.reconnects);
                        }
                        *socket = None;
                        retry_at[slot] = now + backoff[slot];
                        backoff[slot] = (backoff[slot] * 2).min(BACKOFF_MAX);
                    }
                    None => {}
                }
                if socket.is_none() {
                    if now >= retry_at[slot] {
                        bump(&self.counters.connects);
                        *socket = self.open_socket(server, token, path, &shared);
                        if socket.is_none() {
                            // The browser refused the URL: try again later.
                            retry_at[slot] = now + backoff[slot];
                            backoff[slot] = (backoff[slot] * 2).min(BACKOFF_MAX);
                        }
                    }
                    if socket.is_none() {
                        next_retry =
                            Some(next_retry.map_or(retry_at[slot], |t| t.min(retry_at[slot])));
                    }
                }
            }
            self.open.lock(|cell| cell.set(open));
            // Send the waiting value once its socket is open and not backed up.
            let mut backed_up = false;
            if let Some((slot, len)) = waiting {
                match slot.and_then(|slot| sockets[slot].as_ref()) {
                    Some(socket)
                        if socket.state.get() == State::Open
                            && socket.socket.buffered_amount() > SEND_BACKLOG =>
                    {
                        // The host is not reading: the value waits here, and the queue's
                        // overflow policy decides what newer values replace.
                        backed_up = true;
                    }
                    Some(socket) if socket.state.get() == State::Open => {
                        if socket.socket.send_with_u8_array(&out[..len]).is_ok() {
                            bump(&self.counters.sent);
                            self.links.sent(slot);
                        } else {
                            bump(&self.counters.dropped);
                        }
                        waiting = None;
                        continue;
                    }
                    Some(_) => {}
                    None if slot.is_some_and(|s| self.path_of(s).is_some()) => {}
                    // No socket will ever carry it (a link without an address).
                    None => {
                        bump(&self.counters.dropped);
                        waiting = None;
                        continue;
                    }
                }
            }
            // Wait for a socket event, the next retry, or (nothing waiting) a queued value.
            let mut deadline = next_retry.unwrap_or(now + Duration::from_secs(1));
            if backed_up {
                deadline = deadline.min(now + BACKLOG_POLL);
            }
            let event = poll_fn(|cx| shared.poll_event(cx));
            let timer = Timer::at(deadline);
            if waiting.is_none() {
                let popped = first3(self.outbox.pop(&mut out), event, timer).await;
                if let Some(value) = popped {
                    waiting = Some(value);
                }
            } else {
                first3(core::future::pending::<()>(), event, timer).await;
            }
        }
    }

    /// Open the socket of the link at `path`, its callbacks wired to this connector.
    fn open_socket(
        &'static self,
        server: &str,
        token: &str,
        path: &'static str,
        shared: &Rc<Shared>,
    ) -> Option<Socket> {
        let mut url = String::with_capacity(server.len() + path.len() * 3 + token.len() + 16);
        url.push_str(server.trim_end_matches('/'));
        url.push_str("/link/");
        percent_encode(path, &mut url);
        if !token.is_empty() {
            url.push_str("?token=");
            percent_encode(token, &mut url);
        }
        let socket = WebSocket::new(&url).ok()?;
        socket.set_binary_type(BinaryType::Arraybuffer);
        let state = Rc::new(Cell::new(State::Connecting));
        let on_open = {
            let (state, shared) = (state.clone(), shared.clone());
            Closure::<dyn FnMut()>::new(move || {
                state.set(State::Open);
                shared.wake();
            })
        };
        let on_message = {
            let shared = shared.clone();
            let id = link_id(path);
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                self.receive(id, &event, &shared);
            })
        };
        let on_end = {
            let (state, shared) = (state.clone(), shared.clone());
            Closure::<dyn FnMut()>::new(move || {
                let was_open =
                    matches!(state.get(), State::Open | State::Closed { was_open: true });
                state.set(State::Closed { was_open });
                shared.wake();
            })
        };
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_end.as_ref().unchecked_ref()));
        socket.set_onerror(Some(on_end.as_ref().unchecked_ref()));
        Some(Socket {
            socket,
            state,
            _on_open: on_open,
            _on_message: on_message,
            _on_end: on_end,
        })
    }

    /// One message on link `id`: copied into the receive buffer and delivered.
    fn receive(&self, id: u32, event: &MessageEvent, shared: &Shared) {
        let Ok(buffer) = event.data().dyn_into::<ArrayBuffer>() else {
            bump(&self.counters.malformed);
            return;
        };
        let message = Uint8Array::new(&buffer);
        let len = message.length() as usize;
        let mut rx = shared.rx.borrow_mut();
        let Some(bytes) = rx.get_mut(..len) else {
            bump(&self.counters.oversize);
            return;
        };
        message.copy_to(bytes);
        bump(&self.counters.received);
        // A route decodes and produces; counted on the link by outcome.
        self.links.deliver(id, bytes);
    }

    /// The link id and slot-keeping of an address the node declares; `None` (counted) if
    /// the grammar refuses it.
    fn declare(&self, address: &'static str) -> Option<(u32, &'static str)> {
        match path(address) {
            Some(path) => Some((link_id(path), path)),
            None => {
                bump(&self.counters.invalid_links);
                None
            }
        }
    }
}

impl<const QUEUE: usize, const MAX_PAYLOAD: usize, const LINKS: usize> Default
    for WsLinks<QUEUE, MAX_PAYLOAD, LINKS>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const QUEUE: usize, const MAX_PAYLOAD: usize, const LINKS: usize> core::fmt::Debug
    for WsLinks<QUEUE, MAX_PAYLOAD, LINKS>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WsLinks")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl<const QUEUE: usize, const MAX_PAYLOAD: usize, const LINKS: usize> Connector
    for WsLinks<QUEUE, MAX_PAYLOAD, LINKS>
{
    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.outbox.poll_ready(cx)
    }

    fn publish(&self, address: &str, payload: &[u8]) -> Result<(), PublishError> {
        let Some(path) = path(address) else {
            bump(&self.counters.invalid_links);
            return Err(PublishError::NoRoute);
        };
        let (slot, overflow) = self.links.outbound(link_id(path));
        let pushed = self.outbox.push(slot, overflow, payload.len(), |out| {
            out.copy_from_slice(payload)
        });
        self.links.pushed(slot, pushed);
        match pushed {
            Ok(Pushed::Queued) => Ok(()),
            Ok(Pushed::Replaced | Pushed::Evicted) => {
                bump(&self.counters.dropped);
                Ok(())
            }
            Err(PublishError::Oversize) => {
                bump(&self.counters.oversize);
                Err(PublishError::Oversize)
            }
            Err(error) => {
                bump(&self.counters.dropped);
                Err(error)
            }
        }
    }

    fn attach(&self, routes: &'static [InboundRoute]) {
        for route in routes {
            let Some((id, path)) = self.declare(route.address) else {
                continue;
            };
            match self.links.attach(id, route.address, route.deliver) {
                Ok(slot) => self.keep_path(slot, path),
                Err(_) => bump(&self.counters.invalid_links),
            }
        }
    }

    fn register_outbound(&self, address: &'static str, kind: BufferKind) {
        if let Some((id, path)) = self.declare(address) {
            match self.links.register(id, address, kind) {
                Some(slot) => self.keep_path(slot, path),
                None => bump(&self.counters.invalid_links),
            }
        }
    }

    fn skipped(&self, address: &str, skipped: Skipped) {
        if let Some(path) = path(address) {
            self.links.skipped(link_id(path), skipped);
        }
    }
}

/// The path of a `ws://` address (before `?`), if the grammar takes it.
fn path(address: &str) -> Option<&str> {
    WsAddress::parse(address).ok().map(|parsed| parsed.path)
}

/// Append `text` to `out`, every byte but `A-Z a-z 0-9 - . _ ~ /` as `%XX`.
fn percent_encode(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0F)]));
        }
    }
}

/// Where one link's socket is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Connecting,
    Open,
    Closed { was_open: bool },
}

/// What the sockets' callbacks share with [`WsLinks::run`]: its waker, whether a socket
/// opened or closed since it last looked, and the receive buffer.
struct Shared {
    waker: RefCell<Option<Waker>>,
    changed: Cell<bool>,
    rx: RefCell<Box<[u8]>>,
}

impl Shared {
    fn wake(&self) {
        self.changed.set(true);
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    /// Ready once a socket opened or closed since the last time it was ready.
    fn poll_event(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.changed.replace(false) {
            return Poll::Ready(());
        }
        let mut slot = self.waker.borrow_mut();
        if !slot.as_ref().is_some_and(|old| old.will_wake(cx.waker())) {
            *slot = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// One link's socket with the callbacks it holds; closed when dropped.
struct Socket {
    socket: WebSocket,
    state: Rc<Cell<State>>,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_end: Closure<dyn FnMut()>,
}

impl Drop for Socket {
    fn drop(&mut self) {
        // Detach the callbacks before the closures they point at are freed.
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        self.socket.set_onerror(None);
        let _ = self.socket.close();
    }
}

/// Run three futures until the first finishes; the value of the first, if it was that one.
async fn first3<A: Future, B: Future, C: Future>(a: A, b: B, c: C) -> Option<A::Output> {
    let (mut a, mut b, mut c) = (pin!(a), pin!(b), pin!(c));
    poll_fn(|cx| {
        if let Poll::Ready(x) = a.as_mut().poll(cx) {
            return Poll::Ready(Some(x));
        }
        if b.as_mut().poll(cx).is_ready() || c.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}
