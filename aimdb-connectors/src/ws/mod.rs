//! The WebSocket connector for tokio nodes (feature `ws-tokio`): a node serves its records
//! to browsers, and the dashboard page and topology graph with them, on one port.
//!
//! ```no_run
//! # async fn demo() -> Result<(), aimdb_connectors::ws::WsError> {
//! use aimdb_connectors::ws::{WsConfig, WsConnector};
//!
//! let mut config = WsConfig::new("127.0.0.1:8080".parse().unwrap());
//! config.token = Some("s3cret".into());
//! let ws: &'static WsConnector = WsConnector::start(config)?;
//! // Generated node code then calls `attach`, `poll_ready` and `publish` on it;
//! // a browser opens http://127.0.0.1:8080/?token=s3cret
//! # Ok(()) }
//! ```
//!
//! What it serves:
//! - `GET /`: the page (from this crate's `web/`, compiled in); `GET /graph`: the
//!   JSON picture of [`WsConfig::graph`]; `GET /pkg/NAME`: a file of [`WsConfig::bundle`]
//!   (a browser node's wasm bundle); `GET /ws`: the page's WebSocket (JSON, below);
//!   `GET /link/PATH`: a node peer's WebSocket for link `ws://PATH` (binary, below).
//! - **Outbound**, every `link_to("ws://PATH")` value goes to every client as
//!   `{"type":"value","key":PATH,"value":..,"ts":..,"seq":..}`: the value is the JSON text
//!   the link's serializer wrote (a payload that is not JSON is counted and skipped), `ts`
//!   the server's clock in ms since the Unix epoch at publish. A client that connects gets
//!   the last message of every link at once (all but `Mailbox` links and `?latest=false`).
//! - **Inbound**, a client may write `{"key":PATH,"value":..}` to a record the node declares
//!   with `link_from("ws://PATH")`, and only those: anything else is answered with
//!   `{"type":"error",..}` and counted ([`WsStats::rejected`]). The value's JSON text is
//!   what the link's deserializer gets.
//! - **Token**: with [`WsConfig::token`] set, `/ws` and `/graph` need
//!   `Authorization: Bearer TOKEN` (the scheme in any case) or `?token=TOKEN`, the token
//!   exactly; without it the upgrade is refused with HTTP 401 and counted
//!   ([`WsStats::unauthorized`]). The page passes its own `?token=` on. Print
//!   [`WsConnector::masked_page_url`] or [`mask_token`], never the token.
//! - **Origin**: a browser's upgrade (one with an `Origin` header) is refused with HTTP 403
//!   and counted ([`WsStats::forbidden`]) unless its origin is the server's own or listed in
//!   [`WsConfig::allowed_origins`], so a page on another site cannot open the socket even
//!   with a stolen token.
//! - **Node peers** (a browser node, `runtime = "wasm"`, linked to this node's `ws://PATH`;
//!   its connector is `crate::ws_wasm`) open one socket per link at `/link/PATH` (`PATH`
//!   percent-encoded) and exchange **binary messages holding exactly the link's codec
//!   bytes**, a named codec's contract header included: one value per message, no envelope,
//!   no JSON check. A peer gets the last value first (as the page does) and every value
//!   published on `PATH`; it may send values only on a path this node reads
//!   (`link_from("ws://PATH")`, which the topology's one-writer rule gives the peer that
//!   owns the record): they are decoded by the link's deserializer and counted on the link;
//!   values on any other path ([`WsStats::peer_refused`]) and text messages
//!   ([`WsStats::peer_malformed`]) are counted and skipped, and the session goes on. A path
//!   that is none of this node's links is refused with HTTP 404. Token and origin are
//!   checked as for `/ws`, and each peer socket takes one of the `max_clients` places. The
//!   path tells the two kinds of client apart. The connector cannot tell which node is on a
//!   socket: what it enforces is the path (only what this node reads), the token and the
//!   origin; the compiler's one-writer check is what makes the reader's path the peer's.
//!   A peer that reconnects gets the link's last value, not what it missed meanwhile.
//! - `publish` never blocks: a client that falls `channel_capacity` messages behind misses
//!   the oldest (counted as [`WsStats::lagged`]); `poll_ready` is always ready.
//! - **Stalled clients are evicted**: a client more than `channel_capacity` messages behind
//!   (it does not read) for [`WsConfig::stall_timeout`] is closed and counted
//!   ([`WsStats::evicted`]); and when all [`WsConfig::max_clients`] places are taken, a
//!   fresh client takes the place of the most stalled one at once (HTTP 503, counted as
//!   [`WsStats::busy`], only when every client keeps up).

mod bundle;
mod config;
mod counters;
mod http;
mod hub;
mod peer;
mod session;

use core::task::{Context, Poll};
use std::boxed::Box;
use std::net::SocketAddr;
use std::string::String;
use std::sync::{Arc, Mutex, OnceLock};

use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{Connector, InboundRoute, PublishError, Skipped};
use aimdb_core::contract::Fingerprint;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

pub use config::{ConfigError, LinkError, LinkOptions, WsConfig, WsFamily, mask_token};
pub use counters::{LinkStats, WsStats};

use crate::counters::count_skipped;
use counters::bump;
use http::HeadError;
use hub::{Hub, Outbound};

/// Why the connector could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum WsError {
    /// A configuration value is out of range.
    Config(ConfigError),
    /// The address could not be bound.
    Bind(SocketAddr, std::io::Error),
    /// [`WsConnector::start`] was called outside a tokio runtime.
    NoRuntime,
}

impl core::fmt::Display for WsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            WsError::Config(error) => error.fmt(f),
            WsError::Bind(addr, error) => write!(f, "cannot listen on {addr}: {error}"),
            WsError::NoRuntime => {
                f.write_str("WsConnector::start must be called inside a tokio runtime")
            }
        }
    }
}

impl std::error::Error for WsError {}

/// A WebSocket connector for tokio nodes. Create it with [`WsConnector::start`].
pub struct WsConnector {
    hub: Hub,
    token: Option<String>,
    allowed_origins: std::vec::Vec<http::Origin>,
    graph: Option<String>,
    bundle: Option<std::path::PathBuf>,
    local_addr: SocketAddr,
    last_error: Mutex<Option<String>>,
    task: OnceLock<JoinHandle<()>>,
}

impl WsConnector {
    /// Validate `config`, bind its address (so a port in use is an error here, not later),
    /// create the connector (leaked once: it lives as long as the process, like the records
    /// it links) and spawn the server on the current tokio runtime.
    pub fn start(config: WsConfig) -> Result<&'static WsConnector, WsError> {
        config.validate().map_err(WsError::Config)?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| WsError::NoRuntime)?;
        let bind = |e| WsError::Bind(config.bind, e);
        // The listener's send buffer is inherited by every accepted connection.
        let listener = {
            let _entered = runtime.enter();
            let socket = if config.bind.is_ipv4() {
                TcpSocket::new_v4()
            } else {
                TcpSocket::new_v6()
            }
            .map_err(bind)?;
            socket.set_reuseaddr(true).map_err(bind)?;
            socket
                .set_send_buffer_size(config.send_buffer as u32)
                .map_err(bind)?;
            socket.bind(config.bind).map_err(bind)?;
            socket.listen(1024).map_err(bind)?
        };
        let local_addr = listener.local_addr().map_err(bind)?;
        let connector: &'static WsConnector = Box::leak(Box::new(WsConnector {
            hub: Hub::new(&config),
            token: config.token,
            // `validate` has checked that every entry parses.
            allowed_origins: config
                .allowed_origins
                .iter()
                .filter_map(|origin| http::Origin::parse(origin))
                .collect(),
            graph: config.graph,
            bundle: config.bundle,
            local_addr,
            last_error: Mutex::new(None),
            task: OnceLock::new(),
        }));
        let _ = connector
            .task
            .set(runtime.spawn(connector.accept(listener)));
        Ok(connector)
    }

    /// The address the server listens on (the port, when [`WsConfig::bind`] had port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The page's address, with the token if one is configured: for a browser to open, not
    /// to print (print [`masked_page_url`](Self::masked_page_url)).
    pub fn page_url(&self) -> String {
        match &self.token {
            Some(token) => std::format!("http://{}/?token={token}", self.local_addr),
            None => std::format!("http://{}/", self.local_addr),
        }
    }

    /// The page's address with the token masked by [`mask_token`], fit for logs:
    /// `http://127.0.0.1:8080/?token=s3…(12 chars)`.
    pub fn masked_page_url(&self) -> String {
        match &self.token {
            Some(token) => std::format!("http://{}/?token={}", self.local_addr, mask_token(token)),
            None => std::format!("http://{}/", self.local_addr),
        }
    }

    /// Tell the pages whether node `node` is up, so the topology picture shows it and the
    /// cards of what it produces go stale when it is not (`None`: nothing known). Cheap to
    /// call often: the pages hear only changes. The node's host learns it from its MQTT
    /// connector (`MqttConnector::node_online`, the node's last will).
    pub fn set_node_online(&self, node: &str, online: Option<bool>) {
        self.hub.set_node_online(node, online);
    }

    /// Tell the pages what record `key`'s inbound link (over any connector) refused, as
    /// named counts (`[("decode_errors", 0), ("oversize", 0), ("schema_mismatch", 3)]`):
    /// the record's card shows them. Cheap to call often: the pages hear only changes.
    pub fn set_link_counters(&self, key: &str, counters: &[(&str, u64)]) {
        self.hub.set_link_counters(key, counters);
    }

    /// A snapshot of the counters of the link(s) at `address` (path, with or without its
    /// `?query`), or `None` if no link uses that path.
    pub fn link_stats(&self, address: &str) -> Option<LinkStats> {
        let path = LinkOptions::parse(address).ok()?.path;
        self.hub.link_stats(path)
    }

    /// A snapshot of the connector-wide counters.
    pub fn stats(&self) -> WsStats {
        self.hub.counters.snapshot()
    }

    /// Whether the server task is still running.
    pub fn is_running(&self) -> bool {
        self.task.get().is_some_and(|task| !task.is_finished())
    }

    /// The last configuration error, as text.
    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_last_error(&self, error: &dyn core::fmt::Display) {
        let text = std::format!("{error}");
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(text);
    }

    fn outbound(&self, address: &str, kind: Option<BufferKind>) -> Option<Arc<Outbound>> {
        match self.hub.outbound(address, kind) {
            Ok(link) => Some(link),
            Err(error) => {
                bump(&self.hub.counters.invalid_links);
                self.set_last_error(&format_args!(
                    "WebSocket link `{address}` rejected: {error}"
                ));
                None
            }
        }
    }

    /// Accept connections for as long as the runtime runs; each gets its own task.
    async fn accept(&'static self, listener: TcpListener) {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(self.serve(stream));
                }
                // Out of file descriptors and the like: wait instead of spinning.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            }
        }
    }

    /// Answer one connection: a file, the graph, or the WebSocket.
    async fn serve(&'static self, mut stream: TcpStream) {
        let request = match http::read_request(&mut stream).await {
            Ok(request) => request,
            Err(HeadError::Gone) => return,
            Err(HeadError::Bad(why)) => {
                bump(&self.hub.counters.http_requests);
                let status = if why.contains("too long") {
                    "431 Request Header Fields Too Large"
                } else {
                    "400 Bad Request"
                };
                return http::error(&mut stream, status, why).await;
            }
        };
        let authorized = self.token.as_deref().is_none_or(|t| request.has_token(t));
        if request.method != "GET" {
            bump(&self.hub.counters.http_requests);
            return http::error(&mut stream, "405 Method Not Allowed", "only GET").await;
        }
        if request.path == "/ws" {
            return self.upgrade(stream, request, authorized, None).await;
        }
        if let Some(path) = request.path.strip_prefix("/link/") {
            let path = http::percent_decode(path);
            return self.upgrade(stream, request, authorized, Some(path)).await;
        }
        bump(&self.hub.counters.http_requests);
        if request.path == "/graph" {
            if !authorized {
                bump(&self.hub.counters.unauthorized);
                return http::error(&mut stream, "401 Unauthorized", "token required").await;
            }
            return match &self.graph {
                Some(graph) => {
                    let kind = "application/json";
                    let _ = http::respond(&mut stream, "200 OK", kind, "", graph.as_bytes()).await;
                }
                None => {
                    http::error(&mut stream, "404 Not Found", "this node serves no graph").await
                }
            };
        }
        if let Some(name) = request.path.strip_prefix("/pkg/") {
            return bundle::serve(&mut stream, self.bundle.as_deref(), name).await;
        }
        match http::FILES
            .iter()
            .find(|(path, _, _)| *path == request.path)
        {
            Some((_, kind, body)) => {
                let _ = http::respond(&mut stream, "200 OK", kind, "", body.as_bytes()).await;
            }
            None => http::error(&mut stream, "404 Not Found", "no such page").await,
        }
    }

    /// Upgrade to the page's JSON socket (`peer` is `None`) or to a node peer's binary link
    /// at `/link/PATH` (`peer` is the percent-decoded `PATH`).
    async fn upgrade(
        &'static self,
        mut stream: TcpStream,
        request: http::Request,
        authorized: bool,
        peer: Option<String>,
    ) {
        let counters = &self.hub.counters;
        // Before the token: a page on another site learns nothing about the token it holds.
        if !request.origin_allowed(&self.allowed_origins) {
            bump(&counters.forbidden);
            return http::error(
                &mut stream,
                "403 Forbidden",
                "pages of this origin may not open the socket",
            )
            .await;
        }
        if !authorized {
            bump(&counters.unauthorized);
            return http::error(&mut stream, "401 Unauthorized", "token required").await;
        }
        if !request.is_upgrade() {
            return http::error(&mut stream, "426 Upgrade Required", "this is the WebSocket").await;
        }
        // A node peer's path must be one of this node's `ws://` links.
        let peer = match peer.map(|path| self.hub.join_peer(&path)) {
            None => None,
            Some(Some(link)) => Some(link),
            Some(None) => {
                bump(&counters.http_requests);
                return http::error(&mut stream, "404 Not Found", "this node has no such link")
                    .await;
            }
        };
        // A place is taken before the session starts, so a burst of clients cannot all
        // pass; if every place is held, the most stalled client gives its place up.
        let Some(slot) = self.hub.admit() else {
            bump(&counters.busy);
            return http::error(&mut stream, "503 Service Unavailable", "too many clients").await;
        };
        let place = session::Connected(&self.hub, slot);
        if let Err(why) = http::accept_upgrade(&mut stream, &request).await {
            drop(place);
            return http::error(&mut stream, "400 Bad Request", why).await;
        }
        // Messages from a browser are small JSON writes; bound them (with headroom for the
        // `key` and the envelope around the value).
        let limit = self.hub.max_payload + 1024;
        let ws_config = WebSocketConfig::default()
            .max_message_size(Some(limit))
            .max_frame_size(Some(limit));
        let socket = WebSocketStream::from_partially_read(
            stream,
            request.rest,
            Role::Server,
            Some(ws_config),
        )
        .await;
        // The place above is the session's: `session::run` gives it back when it ends.
        match peer {
            None => session::run(socket, place).await,
            Some(link) => peer::run(socket, place, link).await,
        }
    }
}

impl core::fmt::Debug for WsConnector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WsConnector")
            .field("local_addr", &self.local_addr)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Connector for WsConnector {
    fn poll_ready(&self, _cx: &mut Context<'_>) -> Poll<()> {
        // Publishing never waits: slow clients lag instead of holding the node back.
        Poll::Ready(())
    }

    fn publish(&self, address: &str, payload: &[u8]) -> Result<(), PublishError> {
        let link = self.outbound(address, None).ok_or(PublishError::NoRoute)?;
        self.hub.publish(&link, payload)
    }

    fn attach(&self, routes: &'static [InboundRoute]) {
        for (address, error) in self.hub.attach(routes) {
            // A bad link address is a start-up configuration error the topology compiler
            // should have caught; the route is skipped, counted and reported.
            bump(&self.hub.counters.invalid_links);
            self.set_last_error(&format_args!(
                "WebSocket link `{address}` rejected: {error}"
            ));
            // Through the `log` facade (silent without a logger), not stderr.
            tracing::warn!(target: "aimdb::ws", address, %error, "inbound link skipped");
        }
    }

    fn register_outbound(&self, address: &'static str, kind: BufferKind) {
        let _ = self.outbound(address, Some(kind));
    }

    fn declare_contract(&self, address: &'static str, fingerprint: Fingerprint) {
        if let Err(error) = self.hub.declare_contract(address, fingerprint) {
            bump(&self.hub.counters.invalid_links);
            self.set_last_error(&format_args!(
                "WebSocket link `{address}` rejected: {error}"
            ));
        }
    }

    fn skipped(&self, address: &str, skipped: Skipped) {
        let Some(link) = self.outbound(address, None) else {
            return;
        };
        count_skipped(
            skipped,
            &link.counters.lagged,
            &link.counters.encode_errors,
            &link.counters.oversize,
        );
    }
}
