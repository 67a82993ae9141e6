//! Headless Chromium driven over the DevTools protocol: one WebSocket to the browser,
//! pages opened as targets with flat sessions. Just what the browser test needs: open a
//! page, evaluate JavaScript, take a screenshot. Chromium runs in its own process group
//! with a fresh profile directory; both are gone when the [`Browser`] is dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// Where Debian's `chromium` package puts the browser.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// A running headless Chromium.
pub struct Browser {
    _process: Process,
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

/// An open page: its DevTools session.
pub struct Page(String);

impl Browser {
    /// Start Chromium (the flags the issue asks for, a fresh `--user-data-dir`, a DevTools
    /// port of its choosing) and connect to it.
    pub async fn launch() -> Browser {
        assert!(
            std::path::Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium chromium-driver)"
        );
        let profile = std::env::temp_dir().join(format!("aimdb-chromium-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        let mut command = Command::new(CHROMIUM);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--window-size=1280,900",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Its own process group, so the renderer and GPU processes go with it.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        // Owned at once, so a failure below still stops the browser.
        let process = Process {
            child: command.spawn().expect("start chromium"),
            profile,
        };
        // Chromium writes its DevTools port and browser path once it listens.
        let port_file = process.profile.join("DevToolsActivePort");
        let mut endpoint = None;
        for _ in 0..300 {
            if let Ok(text) = std::fs::read_to_string(&port_file)
                && let Some((port, path)) = text.split_once('\n')
                && !path.trim().is_empty()
            {
                endpoint = Some(format!("ws://127.0.0.1:{}{}", port.trim(), path.trim()));
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let Some(url) = endpoint else {
            panic!("chromium did not open its DevTools port within 30 s");
        };
        let socket = connect_async(url).await.expect("DevTools socket").0;
        Browser {
            _process: process,
            socket,
            next_id: 0,
        }
    }

    /// Send a command (to a page's session, or to the browser) and wait for its result.
    pub async fn call(&mut self, page: Option<&Page>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut command = json!({ "id": id, "method": method, "params": params });
        if let Some(Page(session)) = page {
            command["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::Text(command.to_string().into()))
            .await
            .expect("send to chromium");
        loop {
            let message = tokio::time::timeout(Duration::from_secs(20), self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("{method}: no answer from chromium within 20 s"))
                .expect("chromium closed the DevTools socket")
                .expect("DevTools frame");
            let Message::Text(text) = message else {
                continue;
            };
            let reply: Value = serde_json::from_str(&text).expect("DevTools JSON");
            if reply["id"] != json!(id) {
                continue; // an event
            }
            if let Some(error) = reply.get("error") {
                panic!("{method} failed: {error}");
            }
            return reply["result"].clone();
        }
    }

    /// Open `url` in a new page.
    pub async fn open(&mut self, url: &str) -> Page {
        let target = self
            .call(None, "Target.createTarget", json!({ "url": url }))
            .await;
        let attached = self
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await;
        let page = Page(
            attached["sessionId"]
                .as_str()
                .expect("sessionId")
                .to_owned(),
        );
        self.call(Some(&page), "Page.enable", json!({})).await;
        self.call(Some(&page), "Runtime.enable", json!({})).await;
        page
    }

    /// The value of a JavaScript expression in the page (JSON-serializable values only).
    pub async fn eval(&mut self, page: &Page, expression: &str) -> Value {
        let result = self
            .call(
                Some(page),
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await;
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("`{expression}` threw: {exception}");
        }
        result["result"]["value"].clone()
    }

    /// Poll `expression` every 100 ms until it is truthy; its value, or `None` on timeout.
    pub async fn wait_for(
        &mut self,
        page: &Page,
        expression: &str,
        within: Duration,
    ) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let value = self.eval(page, expression).await;
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != json!(0)
                && value != json!("");
            if truthy {
                return Some(value);
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A PNG of the page's viewport.
    pub async fn screenshot(&mut self, page: &Page) -> Vec<u8> {
        let shot = self
            .call(
                Some(page),
                "Page.captureScreenshot",
                json!({ "format": "png" }),
            )
            .await;
        base64_decode(shot["data"].as_str().expect("screenshot data"))
    }
}

/// The browser's process group and profile directory, removed when dropped.
struct Process {
    child: Child,
    profile: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        // The whole process group this browser started (its id is the browser's pid).
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Standard base64 (the screenshot's encoding), padding optional.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {:?}", char::from(c)),
    };
    let digits: Vec<u8> = text.bytes().filter(|&c| c != b'=').map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut n = 0u32;
        for (i, d) in chunk.iter().enumerate() {
            n |= u32::from(*d) << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

#[test]
fn decodes_base64() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGk"), b"hi");
    assert_eq!(base64_decode("iVBORw0KGgo="), b"\x89PNG\r\n\x1a\n");
}
