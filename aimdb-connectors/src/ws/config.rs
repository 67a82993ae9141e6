//! Connector configuration ([`WsConfig`]) and per-link options ([`LinkOptions`]).
//!
//! Where the server listens, its token and what it serves besides records live in one
//! [`WsConfig`]. What differs per link is written in the link's URL query and parsed once,
//! when the link is registered, attached or first published:
//!
//! ```text
//! ws://climate/zone-a/reading               the record's messages go to every browser; the
//!                                           last one is replayed to each new client unless
//!                                           the record is a Mailbox
//! ws://climate/zone-a/reading?latest=false  never replayed: a client sees values produced
//!                                           after it connected
//! ```
//!
//! The address before `?` is the link's path on the socket: the `key` field of its messages.

use std::fmt;
use std::net::SocketAddr;
use std::string::String;
use std::time::Duration;
use std::vec::Vec;

/// Server address, token and limits of one [`WsConnector`](super::WsConnector).
#[derive(Clone)]
pub struct WsConfig {
    /// Where the server listens (HTTP for the page, `/ws` for the socket). Port 0 picks a
    /// free port; [`WsConnector::local_addr`](super::WsConnector::local_addr) says which.
    pub bind: SocketAddr,
    /// When set, `/ws` and `/graph` need it: `Authorization: Bearer TOKEN` (the scheme in
    /// any case) or, since a browser cannot set headers on a WebSocket, `?token=TOKEN`; the
    /// token itself compares exactly. Anything else is refused with HTTP 401 before the
    /// upgrade. Never print it: [`mask_token`] gives a form fit for logs.
    pub token: Option<String>,
    /// Web origins (`scheme://host[:port]`, as a browser sends them in `Origin`) whose pages
    /// may open `/ws`. A WebSocket upgrade that carries an `Origin` header is refused with
    /// HTTP 403 unless that origin is listed here or, when this list is empty (the default),
    /// unless it is the server's own: `http://` and the host and port of the request's
    /// `Host` header, as for the page this connector serves. A non-empty list replaces that
    /// default, so list the server's own origin too if its page is used. Schemes and hosts
    /// compare case-insensitively, ports exactly (`http` and `ws` default to 80, `https` and
    /// `wss` to 443). A request without `Origin` (not a browser: browsers always send it on
    /// an upgrade) is not checked here, only by the token.
    pub allowed_origins: Vec<String>,
    /// The topology graph served at `/graph` and drawn by the page: the JSON
    /// `aimdb graph FILE --format json` prints (`aimdb_compiler::report::json`; render it at
    /// build time, so the node does not link the compiler). `None`: `/graph` is 404 and the
    /// page says so.
    pub graph: Option<String>,
    /// A name for the page's title bar (the node's name, say).
    pub title: String,
    /// Messages a client may fall behind before it misses some (counted as `lagged`).
    pub channel_capacity: usize,
    /// Largest payload, in bytes, published or accepted from a browser; larger ones are
    /// counted as oversize and skipped.
    pub max_payload: usize,
    /// Clients served at once; more are refused with HTTP 503 — unless a slot is held by a
    /// stalled client (see [`stall_timeout`](Self::stall_timeout)), which is then closed
    /// to make room.
    pub max_clients: usize,
    /// How long a client may stay more than `channel_capacity` messages behind (it does not
    /// read, or reads slower than values are published) before it is closed and counted
    /// (`WsStats::evicted`). Default 5 s. A fresh client that finds every slot taken
    /// evicts the most stalled client at once, however long it has been stalled.
    pub stall_timeout: Duration,
    /// The kernel's send buffer for each connection, in bytes (`SO_SNDBUF`; default
    /// 64 KiB, which Linux doubles). It bounds what a client that does not read holds in
    /// the kernel (without it the buffer grows to several MiB per client) and so how soon
    /// such a client is seen `channel_capacity` behind; 64 KiB carries a dashboard's
    /// values on any LAN.
    pub send_buffer: usize,
    /// A directory served under `/pkg/`: a browser node's wasm-bindgen bundle (`.js` and
    /// `.wasm`, built by `scripts/build-browser.sh`), which the page loads to run the
    /// node. Only plain file names in it are served. `None`: `/pkg/` is 404.
    pub bundle: Option<std::path::PathBuf>,
    /// Record families the page draws as a grid, one cell per instance with its latest
    /// value and its liveness (its node's `online`/`offline`, from
    /// [`WsConnector::set_node_online`](super::WsConnector::set_node_online)); sent to each
    /// client in its hello. Empty (the default): every record is a card of its own.
    pub families: Vec<WsFamily>,
}

/// A record family as the page shows it: a grid of its instances (issue 22, "Fleets").
///
/// Instance `i`'s values are those of the outbound link whose path is [`path`](Self::path)
/// with `{instance}` replaced by `instances[i]` and `{index}` by `i` (the links a family's
/// `link_to = "ws://climate/{instance}/reading"` declares, one per instance).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WsFamily {
    /// The links' path with the placeholder: `climate/{instance}/reading`.
    pub path: String,
    /// The declared instances, in the file's order (`overview::READING_INSTANCES`).
    pub instances: Vec<String>,
    /// Each instance's name as a node, as its liveness and `set_node_online` name it
    /// (`sensor-7`), in the order of `instances`.
    pub nodes: Vec<String>,
}

impl WsFamily {
    /// The family at `path` of `instances`, each produced by an instance of node `node`
    /// (instance `7` of node `sensor` is the node `sensor-7`: its MQTT client id, its ACL
    /// user and its liveness topic's name).
    pub fn new(path: &str, instances: &[&str], node: &str) -> Self {
        WsFamily {
            path: String::from(path),
            instances: instances.iter().map(|i| String::from(*i)).collect(),
            nodes: instances
                .iter()
                .map(|i| std::format!("{node}-{i}"))
                .collect(),
        }
    }

    /// The family at `path` of `instances`, instance `i` produced by the node `nodes[i]`:
    /// a family observer's generated `READING_INSTANCES` and `READING_NODES`.
    pub fn of_nodes(path: &str, instances: &[&str], nodes: &[&str]) -> Self {
        WsFamily {
            path: String::from(path),
            instances: instances.iter().map(|i| String::from(*i)).collect(),
            nodes: nodes.iter().map(|n| String::from(*n)).collect(),
        }
    }

    /// Instance `index`'s path: `climate/7/reading`.
    pub fn instance_path(&self, index: usize) -> Option<String> {
        let instance = self.instances.get(index)?;
        Some(
            self.path
                .replace("{instance}", instance)
                .replace("{index}", &std::format!("{index}")),
        )
    }
}

impl WsConfig {
    /// Defaults for a server on `bind`, no token, no graph.
    pub fn new(bind: SocketAddr) -> Self {
        WsConfig {
            bind,
            token: None,
            allowed_origins: Vec::new(),
            graph: None,
            title: String::from("aimdb"),
            channel_capacity: 1024,
            max_payload: 4096,
            max_clients: 64,
            stall_timeout: Duration::from_secs(5),
            send_buffer: 64 * 1024,
            bundle: None,
            families: Vec::new(),
        }
    }

    /// Check the numbers that must be positive, the token's characters and that every
    /// allowed origin is `scheme://host[:port]` (no path, no trailing `/`).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let problem = if self.channel_capacity == 0 {
            "channel_capacity must be at least 1"
        } else if self.max_payload == 0 {
            "max_payload must be at least 1"
        } else if self.max_clients == 0 {
            "max_clients must be at least 1"
        } else if self.stall_timeout.is_zero() {
            "stall_timeout must be positive"
        } else if self.send_buffer < 4096 || self.send_buffer > u32::MAX as usize / 2 {
            "send_buffer must be from 4096 bytes to 2 GiB"
        } else if self
            .token
            .as_deref()
            .is_some_and(|t| t.is_empty() || !t.bytes().all(|b| b.is_ascii_graphic()))
        {
            "token must be non-empty printable ASCII without spaces"
        } else if self
            .allowed_origins
            .iter()
            .any(|o| super::http::Origin::parse(o).is_none())
        {
            "allowed_origins entries must be `scheme://host[:port]`, without a path"
        } else if self.families.iter().any(|f| {
            f.nodes.len() != f.instances.len()
                || !(f.path.contains("{instance}") || f.path.contains("{index}"))
        }) {
            "families need a path with `{instance}` or `{index}` and one node per instance"
        } else {
            return Ok(());
        };
        Err(ConfigError(problem))
    }
}

impl fmt::Debug for WsConfig {
    // By hand: the token must not be printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WsConfig")
            .field("bind", &self.bind)
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("allowed_origins", &self.allowed_origins)
            .field("graph", &self.graph.as_ref().map(|g| g.len()))
            .field("title", &self.title)
            .field("channel_capacity", &self.channel_capacity)
            .field("max_payload", &self.max_payload)
            .field("max_clients", &self.max_clients)
            .field("stall_timeout", &self.stall_timeout)
            .field("send_buffer", &self.send_buffer)
            .field("families", &self.families)
            .finish()
    }
}

/// The token in a form fit for logs and terminals: its first two characters (only when it
/// is at least 8 characters long), `…` and its length, e.g. `s3…(12 chars)` for
/// `s3cret-token`; never enough of it to be used.
pub fn mask_token(token: &str) -> String {
    let length = token.chars().count();
    let shown: String = if length >= 8 {
        token.chars().take(2).collect()
    } else {
        String::new()
    };
    std::format!("{shown}…({length} chars)")
}

/// A configuration value out of range (see [`WsConfig::validate`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigError(pub &'static str);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid WebSocket configuration: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

/// One link's options, parsed from its address (`path?latest=false`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkOptions<'a> {
    /// The path on the socket: the address before `?`.
    pub path: &'a str,
    /// `latest=true|false`, if given.
    pub latest: Option<bool>,
}

impl<'a> LinkOptions<'a> {
    /// Parse a link address with the scheme's one grammar ([`aimdb_core::address::ws`], the
    /// same code the compiler checks URLs with): a non-empty printable path and at most one
    /// `latest`.
    pub fn parse(address: &'a str) -> Result<Self, LinkError> {
        use aimdb_core::address::{AddressErrorKind as Kind, ws::WsAddress};
        let parsed = WsAddress::parse(address).map_err(|e| match e.kind {
            Kind::Empty => LinkError::EmptyPath,
            Kind::BadValue { .. } => LinkError::BadLatest,
            Kind::RepeatedOption => LinkError::Repeated,
            Kind::UnknownOption => LinkError::UnknownOption,
            _ => LinkError::BadPath,
        })?;
        Ok(LinkOptions {
            path: parsed.path,
            latest: parsed.latest,
        })
    }
}

/// Why a link address was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkError {
    /// Nothing before `?`.
    EmptyPath,
    /// The path holds a control character.
    BadPath,
    /// `latest` is not `true` or `false`.
    BadLatest,
    /// A query key other than `latest`.
    UnknownOption,
    /// A query key given twice.
    Repeated,
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LinkError::EmptyPath => "the WebSocket link has an empty path",
            LinkError::BadPath => "the WebSocket link path holds a control character",
            LinkError::BadLatest => "`latest` must be `true` or `false`",
            LinkError::UnknownOption => "unknown WebSocket link option (expected `latest`)",
            LinkError::Repeated => "a WebSocket link option is given twice",
        })
    }
}

impl std::error::Error for LinkError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_token_cannot_be_used() {
        assert_eq!(mask_token("s3cret-token"), "s3…(12 chars)");
        assert_eq!(mask_token("short"), "…(5 chars)");
        assert_eq!(mask_token(""), "…(0 chars)");
        let long = "abcdefghijklmnopqrstuvwxyz";
        assert!(!mask_token(long).contains("abc"), "{}", mask_token(long));
    }

    #[test]
    fn parses_path_and_options() {
        let link = LinkOptions::parse("climate/zone-a/reading?latest=false").unwrap();
        assert_eq!(
            (link.path, link.latest),
            ("climate/zone-a/reading", Some(false))
        );
        let bare = LinkOptions::parse("a/b").unwrap();
        assert_eq!((bare.path, bare.latest), ("a/b", None));
    }

    #[test]
    fn rejects_bad_options() {
        assert_eq!(
            LinkOptions::parse("?latest=true"),
            Err(LinkError::EmptyPath)
        );
        assert_eq!(LinkOptions::parse("a\nb"), Err(LinkError::BadPath));
        assert_eq!(LinkOptions::parse("a?latest=1"), Err(LinkError::BadLatest));
        assert_eq!(LinkOptions::parse("a?qos=1"), Err(LinkError::UnknownOption));
        assert_eq!(
            LinkOptions::parse("a?latest=true&latest=false"),
            Err(LinkError::Repeated)
        );
    }

    #[test]
    fn a_family_names_each_instance_and_its_node() {
        let family = WsFamily::new(
            "climate/{instance}/reading",
            &["zone-a", "zone-b"],
            "sensor",
        );
        assert_eq!(family.nodes, ["sensor-zone-a", "sensor-zone-b"]);
        assert_eq!(
            family.instance_path(1).as_deref(),
            Some("climate/zone-b/reading")
        );
        assert_eq!(family.instance_path(2), None);
        let by_index = WsFamily::of_nodes("zone/{index}", &["a", "b"], &["s-a", "s-b"]);
        assert_eq!(by_index.instance_path(1).as_deref(), Some("zone/1"));
        let mut config = WsConfig::new("127.0.0.1:0".parse().unwrap());
        config.families = std::vec![family.clone()];
        assert_eq!(config.validate(), Ok(()));
        let mut short = family.clone();
        short.nodes.pop();
        config.families = std::vec![short];
        assert!(config.validate().unwrap_err().0.contains("families"));
        let mut plain = family;
        plain.path = "climate/reading".into();
        config.families = std::vec![plain];
        assert!(config.validate().unwrap_err().0.contains("families"));
    }

    #[test]
    fn validates_config() {
        let mut config = WsConfig::new("127.0.0.1:0".parse().unwrap());
        assert_eq!(config.validate(), Ok(()));
        config.token = Some("has space".into());
        assert!(config.validate().unwrap_err().0.contains("token"));
        config.token = None;
        config.allowed_origins = std::vec!["https://dash.example.com:8443".into()];
        assert_eq!(config.validate(), Ok(()));
        for bad in [
            "dash.example.com",
            "https://dash.example.com/",
            "null",
            "https://a:b",
        ] {
            config.allowed_origins = std::vec![bad.into()];
            let problem = config.validate().unwrap_err().0;
            assert!(problem.contains("allowed_origins"), "{bad}: {problem}");
        }
        config.allowed_origins.clear();
        config.max_clients = 0;
        assert!(config.validate().unwrap_err().0.contains("max_clients"));
    }
}
