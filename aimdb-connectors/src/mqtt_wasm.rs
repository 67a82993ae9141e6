//! MQTT in a browser node (`mqtt://` on `runtime = "wasm"`, feature `mqtt-wasm`): the
//! embassy connector ([`crate::mqtt_embassy`], rust-mqtt, no heap per message) over a
//! browser WebSocket to the broker's MQTT-over-WebSocket listener. There is no third MQTT
//! client: [`WebSocketDial`] is one more [`Dial`], handing the connector a byte stream per
//! session.
//!
//! ```ignore
//! static DIAL: .. = WebSocketDial::new("ws://127.0.0.1:19001");
//! #[embassy_executor::task]
//! async fn mqtt(connector: &'static Mqtt, mut dial: WebSocketDial) {
//!     let mut buffer = [0u8; 1024];
//!     connector.run(&mut dial, &mut buffer).await
//! }
//! ```
//!
//! - The socket asks for the `mqtt` subprotocol and takes binary messages as `ArrayBuffer`s.
//! - **Read**: WebSocket messages are not MQTT packets (a message may hold part of a
//!   packet or several): the bytes of every received message are copied into one ring,
//!   allocated once per dial object, and `read` drains it; `onmessage` wakes the reader.
//! - **Write**: `send_with_u8_array` (the browser copies the bytes into its own message).
//! - **End**: `onclose`/`onerror` end the stream (reads and writes fail), so the connector
//!   backs off, dials again and subscribes again, as after any lost session. A message that
//!   would overflow the ring (the page stalled for longer than the ring holds) also ends
//!   the session, counted in [`WebSocketDial::overflows`], rather than dropping bytes
//!   from the middle of a packet.
//!
//! Outside wasm32 this builds (the bindings fail only when called), so the crate's
//! `--all-features` build stays whole on the host; it is only used in a browser.

extern crate alloc;
extern crate std;

use alloc::boxed::Box;
use alloc::rc::Rc;
use core::cell::{Cell, RefCell};
use core::future::{Future, poll_fn};
use core::task::{Poll, Waker};

use embedded_io_async::{ErrorKind, ErrorType, Read, Write};
use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, MessageEvent, WebSocket};

use crate::mqtt_embassy::{Credentials, Dial, MqttConfig};

/// A browser node's connector settings and dial, from what its page handed over at start: the
/// broker's websockets address and the node's login (`username` empty: anonymous, as
/// `fallback_id`). The strings are leaked once, for the page's life: the connector keeps
/// `&'static str`s. The node publishes its `liveness`; a page keeps no broker session
/// (what it missed while closed is history) and retries within 2 s.
pub fn from_page(
    broker: alloc::string::String,
    username: alloc::string::String,
    password: alloc::string::String,
    fallback_id: &'static str,
    liveness: &'static str,
) -> (MqttConfig, WebSocketDial) {
    let leak = |text: alloc::string::String| -> &'static str { Box::leak(text.into_boxed_str()) };
    let credentials = (!username.is_empty()).then(|| Credentials {
        username: leak(username),
        password: leak(password),
    });
    let config = MqttConfig {
        credentials,
        liveness: Some(liveness),
        session_expiry: embassy_time::Duration::from_secs(0),
        backoff_max: embassy_time::Duration::from_secs(2),
        // A broker with `use_username_as_clientid` (scripts/broker.sh) uses the login's name.
        ..MqttConfig::new(credentials.map_or(fallback_id, |c| c.username))
    };
    (config, WebSocketDial::new(leak(broker)))
}

/// Bytes received and not yet read, per dial (64 KiB: thousands of small MQTT packets).
pub const RING_BYTES: usize = 64 * 1024;

/// Where a session's socket is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Connecting,
    Open,
    Closed,
}

/// What the socket's callbacks share with the stream.
struct Shared {
    ring: RefCell<Ring>,
    state: Cell<State>,
    waker: RefCell<Option<Waker>>,
    overflows: Cell<u32>,
}

impl Shared {
    fn wake(&self) {
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    fn register(&self, waker: &Waker) {
        let mut slot = self.waker.borrow_mut();
        match slot.as_ref() {
            Some(old) if old.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }
}

/// A byte ring of [`RING_BYTES`].
struct Ring {
    bytes: Box<[u8]>,
    start: usize,
    len: usize,
}

impl Ring {
    /// Append a received message; `false` if it does not fit.
    fn push(&mut self, message: &Uint8Array) -> bool {
        let n = message.length() as usize;
        let cap = self.bytes.len();
        if n > cap - self.len {
            return false;
        }
        let end = (self.start + self.len) % cap;
        let first = n.min(cap - end);
        message
            .subarray(0, first as u32)
            .copy_to(&mut self.bytes[end..end + first]);
        if first < n {
            message
                .subarray(first as u32, n as u32)
                .copy_to(&mut self.bytes[..n - first]);
        }
        self.len += n;
        true
    }

    /// Move up to `out.len()` bytes out.
    fn pop(&mut self, out: &mut [u8]) -> usize {
        let cap = self.bytes.len();
        let n = out.len().min(self.len).min(cap - self.start);
        out[..n].copy_from_slice(&self.bytes[self.start..self.start + n]);
        self.start = (self.start + n) % cap;
        self.len -= n;
        n
    }
}

/// Dials `url` (`ws://127.0.0.1:PORT`, the broker's websockets listener) for every MQTT
/// session; see the [module docs](self).
pub struct WebSocketDial {
    url: &'static str,
    shared: Rc<Shared>,
}

impl core::fmt::Debug for WebSocketDial {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebSocketDial")
            .field("url", &self.url)
            .field("overflows", &self.overflows())
            .finish_non_exhaustive()
    }
}

impl WebSocketDial {
    /// A dial to the broker at `url`; its receive ring is allocated here, once.
    pub fn new(url: &'static str) -> Self {
        WebSocketDial {
            url,
            shared: Rc::new(Shared {
                ring: RefCell::new(Ring {
                    bytes: alloc::vec![0u8; RING_BYTES].into_boxed_slice(),
                    start: 0,
                    len: 0,
                }),
                state: Cell::new(State::Closed),
                waker: RefCell::new(None),
                overflows: Cell::new(0),
            }),
        }
    }

    /// Sessions ended because a message did not fit in the receive ring.
    pub fn overflows(&self) -> u32 {
        self.shared.overflows.get()
    }
}

/// One session's socket, with the callbacks it holds; closed when dropped.
pub struct WebSocketStream {
    socket: WebSocket,
    shared: Rc<Shared>,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_end: Closure<dyn FnMut()>,
}

impl core::fmt::Debug for WebSocketStream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebSocketStream")
            .field("state", &self.shared.state.get())
            .finish_non_exhaustive()
    }
}

impl Drop for WebSocketStream {
    fn drop(&mut self) {
        // Detach the callbacks before the closures they point at are freed.
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        self.socket.set_onerror(None);
        let _ = self.socket.close();
        self.shared.state.set(State::Closed);
    }
}

/// Open a socket and wire its callbacks to `shared`; `None` if the browser refused the URL.
fn open(url: &str, shared: &Rc<Shared>) -> Option<WebSocketStream> {
    {
        let mut ring = shared.ring.borrow_mut();
        ring.start = 0;
        ring.len = 0;
    }
    shared.state.set(State::Connecting);
    let socket = WebSocket::new_with_str(url, "mqtt").ok()?;
    socket.set_binary_type(BinaryType::Arraybuffer);
    let on_open = {
        let shared = shared.clone();
        Closure::<dyn FnMut()>::new(move || {
            shared.state.set(State::Open);
            shared.wake();
        })
    };
    let on_message = {
        let shared = shared.clone();
        let socket = socket.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Ok(buffer) = event.data().dyn_into::<ArrayBuffer>() else {
                return; // text frames are not MQTT
            };
            if !shared.ring.borrow_mut().push(&Uint8Array::new(&buffer)) {
                shared.overflows.set(shared.overflows.get() + 1);
                shared.state.set(State::Closed);
                let _ = socket.close();
            }
            shared.wake();
        })
    };
    let on_end = {
        let shared = shared.clone();
        Closure::<dyn FnMut()>::new(move || {
            shared.state.set(State::Closed);
            shared.wake();
        })
    };
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_end.as_ref().unchecked_ref()));
    socket.set_onerror(Some(on_end.as_ref().unchecked_ref()));
    Some(WebSocketStream {
        socket,
        shared: shared.clone(),
        _on_open: on_open,
        _on_message: on_message,
        _on_end: on_end,
    })
}

impl Dial for WebSocketDial {
    type Stream<'a>
        = WebSocketStream
    where
        Self: 'a;

    fn dial(&mut self) -> impl Future<Output = Option<WebSocketStream>> {
        let stream = open(self.url, &self.shared);
        async move {
            let stream = stream?;
            // Wait for `open` (or `close`/`error`: the connector retries after its backoff).
            poll_fn(|cx| match stream.shared.state.get() {
                State::Connecting => {
                    stream.shared.register(cx.waker());
                    Poll::Pending
                }
                State::Open => Poll::Ready(()),
                State::Closed => Poll::Ready(()),
            })
            .await;
            (stream.shared.state.get() == State::Open).then_some(stream)
        }
    }
}

/// The session's socket closed or failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketClosed;

impl core::fmt::Display for SocketClosed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the WebSocket to the broker closed")
    }
}

impl core::error::Error for SocketClosed {}

impl embedded_io_async::Error for SocketClosed {
    fn kind(&self) -> ErrorKind {
        ErrorKind::ConnectionReset
    }
}

impl ErrorType for WebSocketStream {
    type Error = SocketClosed;
}

impl Read for WebSocketStream {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, SocketClosed> {
        if buf.is_empty() {
            return Ok(0);
        }
        poll_fn(|cx| {
            let n = self.shared.ring.borrow_mut().pop(buf);
            if n > 0 {
                return Poll::Ready(Ok(n));
            }
            if self.shared.state.get() != State::Open {
                return Poll::Ready(Err(SocketClosed));
            }
            self.shared.register(cx.waker());
            Poll::Pending
        })
        .await
    }
}

impl Write for WebSocketStream {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, SocketClosed> {
        if self.shared.state.get() != State::Open {
            return Err(SocketClosed);
        }
        self.socket
            .send_with_u8_array(buf)
            .map_err(|_| SocketClosed)?;
        Ok(buf.len())
    }

    async fn flush(&mut self) -> Result<(), SocketClosed> {
        // The browser queues what was sent; there is nothing of ours to flush.
        Ok(())
    }
}
