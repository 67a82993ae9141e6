//! What the browser-node tests share: the wasm bundle, a broker enforcing a topology file
//! with a websockets listener, the page's server, and the page's test hook. (Each test file
//! uses its own part of it.)
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use aimdb::connectors::ws::{WsConfig, WsConnector};
use serde_json::Value;

use super::broker::Broker;
use super::cdp;

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Build the wasm bundle (incremental: seconds when nothing changed) into
/// `target/browser/pkg`, as the demo and CI do.
pub fn build_bundle() -> PathBuf {
    let out = root().join("target/browser/pkg");
    let status = std::process::Command::new(root().join("scripts/build-browser.sh"))
        .arg(&out)
        .status()
        .expect("run scripts/build-browser.sh");
    assert!(status.success(), "scripts/build-browser.sh failed");
    out
}

/// A broker enforcing the topology file `source` (its ACL, one login per node), with a
/// websockets listener on `lo`, checked to listen on loopback only.
pub fn broker(source: &str, path: &str) -> Broker {
    let system = aimdb_compiler::check_file(source)
        .0
        .expect("the topology checks");
    let acl = aimdb_compiler::report::acl::render(&system, path).expect("an ACL");
    let users: Vec<&str> = system.nodes.iter().map(|node| node.name()).collect();
    let broker = Broker::start_secured_websockets(&acl, &users);
    assert_loopback_only(broker.ws_port.expect("a websockets listener"));
    broker
}

/// The page's server, as the demo's dashboard serves it: the page, the graph of the
/// topology file `source` and the bundle.
pub fn serve_page(bundle: PathBuf, source: &str, title: &str) -> &'static WsConnector {
    let mut config = WsConfig::new("127.0.0.1:0".parse().unwrap());
    config.title = title.into();
    config.bundle = Some(bundle);
    let (system, _) = aimdb_compiler::check_file(source);
    config.graph = Some(aimdb_compiler::report::json::render(
        &system.expect("a system"),
    ));
    WsConnector::start(config).expect("ws connector")
}

/// Whatever listens on `port` does so on loopback only (mosquitto's websockets listener is
/// bound to the interface `lo`; written as an address it would listen everywhere).
pub fn assert_loopback_only(port: u16) {
    let out = std::process::Command::new("ss")
        .args(["-ltnH", &format!("sport = :{port}")])
        .output()
        .expect("run ss");
    let text = String::from_utf8_lossy(&out.stdout);
    let locals: Vec<&str> = text
        .lines()
        .filter_map(|line| line.split_whitespace().nth(3))
        .collect();
    assert!(!locals.is_empty(), "nothing listens on {port}");
    for local in &locals {
        assert!(
            local.starts_with("127.0.0.1:")
                || local.starts_with("[::ffff:127.0.0.1]:")
                || local.starts_with("[::1]:"),
            "port {port} listens beyond loopback: {locals:?}"
        );
    }
}

/// The node's counters as the page's hook gives them (`link_stats()` of its bundle).
pub async fn stats(browser: &mut cdp::Browser, page: &cdp::Page) -> Vec<f64> {
    let value = browser.eval(page, "window.__aimdbNode.stats()").await;
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

/// Wait until the page's node is connected to the broker.
pub async fn connected(browser: &mut cdp::Browser, page: &cdp::Page, within: Duration) {
    let up = "window.__aimdbNode && window.__aimdbNode.stats()[0] === 1";
    if browser.wait_for(page, up, within).await.is_none() {
        let why = browser
            .eval(page, "JSON.stringify({e: window.__aimdbNode?.error, s: window.__aimdbNode?.stats(), status: document.getElementById('status').textContent})")
            .await;
        panic!("the page's node did not connect: {why}");
    }
}

/// Keep a screenshot of the page under target/browser/.
pub async fn screenshot(browser: &mut cdp::Browser, page: &cdp::Page, name: &str) {
    let shot = browser.screenshot(page).await;
    let dir = root().join("target/browser");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), shot).unwrap();
}
