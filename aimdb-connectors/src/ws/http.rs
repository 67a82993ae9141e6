//! The HTTP side of the server: one request per connection, read by hand (the server only
//! needs a request line and a few headers), the page's files, the graph, the token and
//! origin checks and the WebSocket upgrade's accept key.

use std::io;
use std::string::{String, ToString};
use std::time::Duration;
use std::vec::Vec;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The page and its scripts, from this crate's `web/` directory, compiled in so the
/// node serves them with no file next to the binary.
pub(crate) const FILES: [(&str, &str, &str); 6] = [
    (
        "/",
        "text/html; charset=utf-8",
        include_str!("../../web/index.html"),
    ),
    (
        "/index.html",
        "text/html; charset=utf-8",
        include_str!("../../web/index.html"),
    ),
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/app.js"),
    ),
    (
        "/graph.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/graph.js"),
    ),
    (
        "/node.js",
        "text/javascript; charset=utf-8",
        include_str!("../../web/node.js"),
    ),
    (
        "/style.css",
        "text/css; charset=utf-8",
        include_str!("../../web/style.css"),
    ),
];

/// Longest request head the server reads; a longer one is answered 431.
const MAX_HEAD: usize = 16 * 1024;
/// How long a client may take to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// A request head, plus any bytes read past it.
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    headers: Vec<(String, String)>,
    pub(crate) rest: Vec<u8>,
}

/// Why no request could be read.
pub(crate) enum HeadError {
    /// The connection closed, timed out or failed: nothing to answer.
    Gone,
    /// Not an HTTP/1.1 request head we can read: answer 400 (or 431 when too long).
    Bad(&'static str),
}

impl Request {
    /// A header's value (names compare case-insensitively).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter's value, percent-decoded.
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        self.query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == name).then(|| percent_decode(value))
        })
    }

    /// Whether the request carries `token`: as `Authorization: Bearer TOKEN` (the scheme in
    /// any case) or as `?token=TOKEN`. Both go through [`presents`].
    pub(crate) fn has_token(&self, token: &str) -> bool {
        let header = self.header("authorization").and_then(bearer);
        let query = self.query_param("token");
        // `|`, not `||`: both are compared, so the time taken does not tell which was tried.
        presents(header, token) | presents(query.as_deref(), token)
    }

    /// Whether the request's `Origin` may open the socket: no `Origin` (not a browser), or
    /// exactly one that is in `allowed` or, when `allowed` is empty, the server's own
    /// (`http://` and the `Host` header's host and port). See `WsConfig::allowed_origins`.
    pub(crate) fn origin_allowed(&self, allowed: &[Origin]) -> bool {
        let mut origins = self
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("origin"));
        let Some((_, origin)) = origins.next() else {
            return true;
        };
        if origins.next().is_some() {
            return false;
        }
        let Some(origin) = Origin::parse(origin) else {
            return false;
        };
        if allowed.is_empty() {
            let own = self
                .header("host")
                .and_then(|host| Origin::parse(&std::format!("http://{host}")));
            return own.is_some_and(|own| own == origin);
        }
        allowed.contains(&origin)
    }

    /// Whether this is a WebSocket upgrade request.
    pub(crate) fn is_upgrade(&self) -> bool {
        self.header("upgrade")
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
    }
}

/// The token of an `Authorization` header value `Bearer TOKEN`; the scheme is matched in any
/// case (`bearer`, `BEARER`), as HTTP auth schemes are.
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim_start_matches(' '))
}

/// The one check every way of presenting the token goes through: the token given, if any,
/// equals `token` exactly (compared in constant time).
fn presents(given: Option<&str>, token: &str) -> bool {
    given.is_some_and(|given| same(given, token))
}

/// A web origin, normalised for comparison: scheme and host in lower case, the port with
/// the scheme's default filled in (`None`: a scheme without a default and no port given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    /// Parse `scheme://host[:port]` (an IPv6 host in brackets); anything else (a path, user
    /// info, `null`, a port that is not a number up to 65535) is `None`.
    pub(crate) fn parse(text: &str) -> Option<Origin> {
        let (scheme, authority) = text.split_once("://")?;
        let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok
            || authority.is_empty()
            || authority
                .chars()
                .any(|c| matches!(c, '/' | '?' | '#' | '@' | '\\') || !c.is_ascii_graphic())
        {
            return None;
        }
        let (host, port) = if authority.starts_with('[') {
            let (host, after) = authority.split_at(authority.find(']')? + 1);
            if host.len() == 2 || host[1..].contains('[') {
                return None;
            }
            match after {
                "" => (host, None),
                _ => (host, Some(after.strip_prefix(':')?)),
            }
        } else {
            let (host, port) = match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            };
            if host.is_empty() || host.contains(['[', ']']) {
                return None;
            }
            (host, port)
        };
        let scheme = scheme.to_ascii_lowercase();
        let port = match port {
            Some(port) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                Some(port.parse::<u16>().ok()?)
            }
            Some(_) => return None,
            None => match scheme.as_str() {
                "http" | "ws" => Some(80),
                "https" | "wss" => Some(443),
                _ => None,
            },
        };
        Some(Origin {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

/// Compare without stopping at the first difference, so the time taken does not tell an
/// attacker how much of a guess was right.
fn same(given: &str, token: &str) -> bool {
    let (a, b) = (given.as_bytes(), token.as_bytes());
    let mut diff = a.len() ^ b.len();
    for (i, byte) in b.iter().enumerate() {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ byte);
    }
    diff == 0
}

pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Most header lines a request may carry; more is answered 431 like an over-long head.
const MAX_HEADERS: usize = 64;

/// Read one request head. The bytes are parsed by `httparse` (hyper's parser, fuzzed
/// upstream and here), not by hand: this is a network port.
pub(crate) async fn read_request(stream: &mut TcpStream) -> Result<Request, HeadError> {
    let mut buf = Vec::with_capacity(1024);
    tokio::time::timeout(HEAD_TIMEOUT, async {
        let mut chunk = [0u8; 1024];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return Err(HeadError::Gone),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            if let Some(request) = parse_head(&buf)? {
                return Ok(request);
            }
            if buf.len() > MAX_HEAD {
                return Err(HeadError::Bad("request head too long"));
            }
        }
    })
    .await
    .map_err(|_| HeadError::Gone)?
}

/// The request in `buf` if its head is complete, `None` if more bytes are needed.
fn parse_head(buf: &[u8]) -> Result<Option<Request>, HeadError> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut head = httparse::Request::new(&mut slots);
    let end = match head.parse(buf) {
        Ok(httparse::Status::Complete(end)) => end,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(HeadError::Bad("request head too long"));
        }
        Err(httparse::Error::Version) => return Err(HeadError::Bad("not HTTP/1.x")),
        Err(_) => return Err(HeadError::Bad("malformed request head")),
    };
    let (Some(method), Some(target)) = (head.method, head.path) else {
        return Err(HeadError::Bad("malformed request line"));
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers = head
        .headers
        .iter()
        .map(|header| {
            let value = core::str::from_utf8(header.value)
                .map_err(|_| HeadError::Bad("a header value is not UTF-8"))?;
            Ok((header.name.to_string(), value.trim().to_string()))
        })
        .collect::<Result<_, _>>()?;
    Ok(Some(Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        rest: buf[end..].to_vec(),
    }))
}

/// Write a complete response and close.
pub(crate) async fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    extra_headers: &str,
    body: &[u8],
) -> io::Result<()> {
    let head = std::format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n{extra_headers}\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}

/// A plain-text error response.
pub(crate) async fn error(stream: &mut TcpStream, status: &str, why: &str) {
    let extra = if status.starts_with("401") {
        "WWW-Authenticate: Bearer\r\n"
    } else {
        ""
    };
    let body = std::format!("{status}: {why}\n");
    let _ = respond(
        stream,
        status,
        "text/plain; charset=utf-8",
        extra,
        body.as_bytes(),
    )
    .await;
}

/// Answer an upgrade request with 101 Switching Protocols.
pub(crate) async fn accept_upgrade(
    stream: &mut TcpStream,
    request: &Request,
) -> Result<(), &'static str> {
    let key = request
        .header("sec-websocket-key")
        .ok_or("missing Sec-WebSocket-Key")?;
    if request.header("sec-websocket-version") != Some("13") {
        return Err("Sec-WebSocket-Version must be 13");
    }
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let head = std::format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|_| "connection lost during the upgrade")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_and_decodes() {
        assert!(same("abc", "abc"));
        assert!(!same("abd", "abc"));
        assert!(!same("ab", "abc"));
        assert!(!same("abcd", "abc"));
        assert_eq!(percent_decode("a%2Fb+c%zz"), "a/b c%zz");
    }

    #[test]
    fn a_head_is_parsed_when_complete_and_what_follows_it_is_kept() {
        let bytes = b"GET /ws?token=a%20b HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade:  websocket \r\n\r\n\x81\x00";
        assert!(matches!(parse_head(&bytes[..20]), Ok(None)), "partial head");
        let Ok(Some(request)) = parse_head(bytes) else {
            panic!("complete head not parsed");
        };
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("GET", "/ws")
        );
        assert_eq!(request.query_param("token").as_deref(), Some("a b"));
        assert_eq!(request.header("HOST"), Some("127.0.0.1:8080"));
        assert!(request.is_upgrade());
        assert_eq!(request.rest, [0x81, 0x00]);
    }

    #[test]
    fn a_broken_or_oversized_head_is_refused_not_waited_for() {
        let bad = |bytes: &[u8]| match parse_head(bytes) {
            Err(HeadError::Bad(why)) => why,
            Err(HeadError::Gone) => "gone",
            Ok(_) => "accepted",
        };
        assert_eq!(bad(b"GET / HTTP/2.0\r\n\r\n"), "not HTTP/1.x");
        assert_eq!(
            bad(b"GET / HTTP/1.1\r\nno colon\r\n\r\n"),
            "malformed request head"
        );
        assert_eq!(bad(b"GET\0/ HTTP/1.1\r\n\r\n"), "malformed request head");
        let many = std::format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "a: b\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(bad(many.as_bytes()), "request head too long");
        let latin1 = b"GET / HTTP/1.1\r\nx: caf\xe9\r\n\r\n";
        assert_eq!(bad(latin1), "a header value is not UTF-8");
    }

    fn request(headers: &[(&str, &str)], query: &str) -> Request {
        Request {
            method: "GET".into(),
            path: "/ws".into(),
            query: query.into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            rest: Vec::new(),
        }
    }

    #[test]
    fn the_bearer_scheme_is_matched_in_any_case_and_the_token_exactly() {
        for value in ["Bearer tok", "bearer tok", "BEARER tok", "bEaReR  tok"] {
            let request = request(&[("authorization", value)], "");
            assert!(request.has_token("tok"), "{value}");
        }
        for value in [
            "Bearer TOK",
            "Bearer tok2",
            "Basic tok",
            "Bearertok",
            "tok",
            "Bearer",
        ] {
            let request = request(&[("Authorization", value)], "");
            assert!(!request.has_token("tok"), "{value}");
        }
        assert!(request(&[], "a=1&token=t%2Fk").has_token("t/k"));
        assert!(!request(&[], "token=TOK").has_token("tok"));
        // A wrong header does not spoil a right query, nor the other way round.
        assert!(request(&[("authorization", "Bearer no")], "token=tok").has_token("tok"));
        assert!(request(&[("authorization", "Bearer tok")], "token=no").has_token("tok"));
    }

    #[test]
    fn origins_normalise_case_and_default_ports_and_reject_the_rest() {
        let origin = |text| Origin::parse(text);
        assert_eq!(
            origin("HTTPS://Dash.Example.COM"),
            origin("https://dash.example.com:443")
        );
        assert_eq!(origin("http://[::1]:8080"), origin("http://[::1]:8080"));
        assert_ne!(
            origin("http://a.example:8080"),
            origin("http://a.example:8081")
        );
        assert_ne!(origin("http://a.example"), origin("https://a.example"));
        assert_eq!(origin("http://[::1]").unwrap().port, Some(80));
        for bad in [
            "null",
            "a.example",
            "http://",
            "http://a.example/",
            "http://a.example:",
            "http://a.example:99999",
            "http://a.example:8o",
            "http://user@a.example",
            "http://[::1",
            "http://[::1]x",
            "http://a]b",
            "http://a b",
            "1http://a",
        ] {
            assert_eq!(Origin::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_servers_own_origin_or_a_listed_one_may_open_the_socket() {
        let host = ("Host", "127.0.0.1:8080");
        let own = |origin| request(&[host, ("Origin", origin)], "").origin_allowed(&[]);
        assert!(
            request(&[host], "").origin_allowed(&[]),
            "no Origin: not a browser"
        );
        assert!(own("http://127.0.0.1:8080"));
        assert!(own("HTTP://127.0.0.1:8080"));
        for other in [
            "http://evil.example",
            "http://127.0.0.1:8081",
            "https://127.0.0.1:8080",
            "http://127.0.0.1",
            "null",
        ] {
            assert!(!own(other), "{other}");
        }
        let no_host = request(&[("Origin", "http://127.0.0.1:8080")], "");
        assert!(!no_host.origin_allowed(&[]));
        let two = request(
            &[
                host,
                ("Origin", "http://127.0.0.1:8080"),
                ("origin", "http://evil.example"),
            ],
            "",
        );
        assert!(!two.origin_allowed(&[]));

        let listed = [Origin::parse("https://dash.example.com").unwrap()];
        let allowed = |origin| request(&[host, ("Origin", origin)], "").origin_allowed(&listed);
        assert!(allowed("https://Dash.Example.com:443"));
        assert!(!allowed("https://dash.example.com:8443"));
        assert!(
            !allowed("http://127.0.0.1:8080"),
            "a list replaces the default"
        );
        let host = ("Host", "[::1]:9000");
        let v6 = request(&[host, ("Origin", "http://[::1]:9000")], "");
        assert!(v6.origin_allowed(&[]));
    }
}
