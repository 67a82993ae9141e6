//! `GET /pkg/NAME`: the files of a browser node's wasm bundle ([`WsConfig::bundle`](super::WsConfig::bundle)),
//! read from disk on each request so a rebuilt bundle is served without a restart.

use std::path::Path;

use tokio::net::TcpStream;

use super::http;

/// The content type of a bundle file, by extension; `None`: not served.
fn content_type(name: &str) -> Option<&'static str> {
    let (_, extension) = name.rsplit_once('.')?;
    match extension {
        "js" => Some("text/javascript; charset=utf-8"),
        // `WebAssembly.instantiateStreaming` wants exactly this type.
        "wasm" => Some("application/wasm"),
        _ => None,
    }
}

/// A plain file name: no directory part, no `..`, nothing hidden.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Answer `/pkg/NAME` from `dir`.
pub(crate) async fn serve(stream: &mut TcpStream, dir: Option<&Path>, name: &str) {
    let (Some(dir), true, Some(kind)) = (dir, plain(name), content_type(name)) else {
        return http::error(stream, "404 Not Found", "no such file in the bundle").await;
    };
    // A few hundred KiB, read once per page load: a blocking read is shorter than a
    // thread hand-off would be worth.
    match std::fs::read(dir.join(name)) {
        Ok(body) => {
            let _ = http::respond(stream, "200 OK", kind, "", &body).await;
        }
        Err(_) => {
            http::error(
                stream,
                "404 Not Found",
                "no such file in the bundle (run scripts/build-browser.sh)",
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_bundle_names_of_known_types_are_served() {
        assert!(super::plain("climate_browser_bg.wasm"));
        assert!(!super::plain("../secret"));
        assert!(!super::plain("a/b.js"));
        assert!(!super::plain(".hidden.js"));
        assert_eq!(super::content_type("x.wasm"), Some("application/wasm"));
        assert_eq!(super::content_type("x.d.ts"), None);
        assert_eq!(super::content_type("README"), None);
    }
}
