//! The HTTP side of the server: one request per connection, read by hand (the server only
//! needs a request line and a few headers), the page's files, the graph, the token check
//! and the WebSocket upgrade's accept key.

use std::io;
use std::string::{String, ToString};
use std::time::Duration;
use std::vec::Vec;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The page and its scripts, from the repository's `web/` directory, compiled in so the
/// node serves them with no file next to the binary.
pub(crate) const FILES: [(&str, &str, &str); 5] = [
    (
        "/",
        "text/html; charset=utf-8",
        include_str!("../../../web/index.html"),
    ),
    (
        "/index.html",
        "text/html; charset=utf-8",
        include_str!("../../../web/index.html"),
    ),
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/app.js"),
    ),
    (
        "/graph.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/graph.js"),
    ),
    (
        "/style.css",
        "text/css; charset=utf-8",
        include_str!("../../../web/style.css"),
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

    /// Whether the request carries `token`: as `Authorization: Bearer TOKEN` or `?token=`.
    pub(crate) fn has_token(&self, token: &str) -> bool {
        let header = self
            .header("authorization")
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        header.is_some_and(|given| same(given, token))
            || self
                .query_param("token")
                .is_some_and(|given| same(&given, token))
    }

    /// Whether this is a WebSocket upgrade request.
    pub(crate) fn is_upgrade(&self) -> bool {
        self.header("upgrade")
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
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

fn percent_decode(text: &str) -> String {
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

/// Read one request head.
pub(crate) async fn read_request(stream: &mut TcpStream) -> Result<Request, HeadError> {
    let mut buf = Vec::with_capacity(1024);
    let end = tokio::time::timeout(HEAD_TIMEOUT, async {
        let mut chunk = [0u8; 1024];
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                return Ok(end);
            }
            if buf.len() > MAX_HEAD {
                return Err(HeadError::Bad("request head too long"));
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return Err(HeadError::Gone),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .map_err(|_| HeadError::Gone)??;
    let rest = buf.split_off(end + 4);
    let head =
        core::str::from_utf8(&buf[..end]).map_err(|_| HeadError::Bad("head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let mut parts = lines.next().unwrap_or("").split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Bad("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(HeadError::Bad("not HTTP/1.x"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or(HeadError::Bad("malformed header"))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok(Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        rest,
    })
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
}
