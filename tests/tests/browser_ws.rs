//! `ws://` between a browser node and a host node, no broker (issue 18, item 3):
//! `topologies/panel.toml`'s `station` (a tokio node, generated here) serves its ws
//! connector with the page and the wasm bundle; the `panel` node (`panel-browser`, built by
//! `scripts/build-browser.sh`, run here so the bundle matches the sources) runs in headless
//! Chromium and links to the station's `/link/PATH` sockets, in binary messages holding
//! exactly the links' postcard bytes with their contract header. The test checks:
//! - the panel observes at least 100 of the station's readings, in order and bit-exact
//!   (seq, `celsius` to the bit, `taken_us`), with no heap allocation per reading in the
//!   wasm module;
//! - a request the panel owns (`panel/request`) reaches the station's tap;
//! - every connection cut (through a TCP proxy): the panel opens its sockets again after
//!   its backoff and readings flow again, in order and bit-exact;
//! - a malformed binary message is counted and the connection survives, both ways: one the
//!   station's connector sends the panel (its decode error counter, no reconnect, readings
//!   keep coming), and one a raw client sends the station on the panel's link (the link's
//!   decode error counter, the next value on the same socket delivered); a value sent on
//!   the reading's path (the station's own record) is refused and counted.
//!
//! Figures are printed (`--nocapture`); a screenshot is kept at
//! `target/browser/browser-ws.png`.

#[path = "browser_support/cdp.rs"]
mod cdp;

use std::sync::Mutex;
use std::time::Duration;

use aimdb::codec::Postcard;
use aimdb::connector::Connector;
use aimdb::connectors::ws::{WsConfig, WsConnector};
use aimdb::contract;
use aimdb::{Consumer, Producer};
use climate_model::{SetpointRequest, Temperature};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

const TOPOLOGY: &str = include_str!("../../topologies/panel.toml");
const READING: &str = "panel/reading";
const REQUEST: &str = "panel/request";

aimdb::topology!(file = "../topologies/panel.toml", node = "station");

/// A reading's `celsius`: arbitrary mantissa bits (not a round number), so "bit-exact"
/// means something.
fn celsius_of(seq: u32) -> f32 {
    f32::from_bits(0x4100_0000 | (seq.wrapping_mul(2_654_435_761) & 0x007f_ffff))
}

fn reading_of(seq: u32) -> Temperature {
    Temperature {
        seq,
        celsius: celsius_of(seq),
        taken_us: u64::from(seq) * 1_000_003,
    }
}

/// The station's source: a reading every 10 ms, seq from 1.
async fn produce_readings(producer: Producer<'static, Temperature>) {
    for seq in 1.. {
        producer.produce(reading_of(seq)).await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// What the station's tap saw of the panel's request.
static REQUESTS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

async fn record_request(mut consumer: Consumer<'static, SetpointRequest>) {
    while let Ok(request) = consumer.recv().await {
        REQUESTS.lock().unwrap().push(request.tenths);
    }
}

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The readings the panel's tap handed the page: `(seq, celsius's f32 bits, taken_us)`,
/// each checked in the page to be an f32 widened exactly.
async fn readings(browser: &mut cdp::Browser, page: &cdp::Page) -> Vec<(u32, u32, f64)> {
    let value = browser.eval(page, "window.__panel.readings").await;
    value
        .as_array()
        .expect("readings")
        .iter()
        .map(|r| {
            let n = |i: usize| r[i].as_f64().expect("a number");
            assert_eq!(
                r[3],
                Value::Bool(true),
                "{r}: celsius is not an f32 widened"
            );
            (n(0) as u32, n(1) as u32, n(2))
        })
        .collect()
}

/// Every reading in order (seq strictly rising) and exactly what the station produced;
/// returns the seqs skipped.
fn check_exact(readings: &[(u32, u32, f64)]) -> u32 {
    let mut gaps = 0;
    for pair in readings.windows(2) {
        assert!(
            pair[1].0 > pair[0].0,
            "readings out of order: #{} after #{}",
            pair[1].0,
            pair[0].0
        );
        gaps += pair[1].0 - pair[0].0 - 1;
    }
    for &(seq, bits, taken_us) in readings {
        let sent = reading_of(seq);
        assert_eq!(
            bits,
            sent.celsius.to_bits(),
            "reading #{seq}: the page got {}, the station sent {}",
            f32::from_bits(bits),
            sent.celsius
        );
        assert_eq!(taken_us, sent.taken_us as f64, "#{seq}: taken_us");
    }
    gaps
}

/// The panel's counters (`link_stats()` of its bundle): `[open, connects, reconnects,
/// received, decode errors, schema mismatches, requests sent, not binary, oversize]`.
async fn stats(browser: &mut cdp::Browser, page: &cdp::Page) -> Vec<f64> {
    let value = browser
        .eval(page, "Array.from(window.__panel.m.link_stats())")
        .await;
    value
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_node_observes_and_owns_records_through_a_host_over_ws() {
    // The bundle, as the demo builds it.
    let bundle = root().join("target/browser/pkg");
    let status = std::process::Command::new(root().join("scripts/build-browser.sh"))
        .arg(&bundle)
        .status()
        .expect("run scripts/build-browser.sh");
    assert!(status.success(), "scripts/build-browser.sh failed");
    let wasm = std::fs::metadata(bundle.join("panel_browser_bg.wasm"))
        .expect("the bundle's .wasm")
        .len();

    // The station: its ws connector serves the page, the graph and the bundle.
    let mut config = WsConfig::new("127.0.0.1:0".parse().unwrap());
    config.title = "panel · station".into();
    config.bundle = Some(bundle);
    let (system, _) = aimdb_compiler::check_file(TOPOLOGY);
    config.graph = Some(aimdb_compiler::report::json::render(
        &system.expect("panel.toml checks"),
    ));
    let ws: &'static WsConnector = WsConnector::start(config).expect("ws connector");
    tokio::spawn(station::run(station::Links { ws }));

    // The page (the station's own, so the origin is the station's), then the panel node in
    // it: the module the station serves under /pkg/, started with the page's host.
    let mut browser = cdp::Browser::launch().await;
    // Through a TCP proxy the test can cut, so the panel's reconnect is seen; the page comes
    // through it too, so its origin is the host it links to.
    let proxy = Proxy::start(ws.local_addr()).await;
    let page = browser
        .open(&format!("http://127.0.0.1:{}/", proxy.port))
        .await;
    let loaded = "location.protocol === 'http:' && document.readyState === 'complete'";
    assert!(
        browser
            .wait_for(&page, loaded, Duration::from_secs(10))
            .await
            .is_some(),
        "the station's page did not load"
    );
    let started = browser
        .eval(
            &page,
            r#"(async () => {
                const m = await import(location.origin + '/pkg/panel_browser.js');
                await m.default();
                window.__panel = { m, readings: [] };
                m.start('ws://' + location.host, '', (seq, celsius, taken) => {
                    // The f32's bits, taken in the page (JSON to the test rounds).
                    const bits = new Uint32Array(new Float32Array([celsius]).buffer)[0];
                    const exact = Math.fround(celsius) === celsius;
                    window.__panel.readings.push([seq, bits, taken, exact]);
                });
                return m.contracts();
            })()"#,
        )
        .await;
    println!("panel started; contracts {started}");

    // At least 100 readings, in order, bit-exact.
    let enough = "window.__panel.readings.length >= 150";
    if browser
        .wait_for(&page, enough, Duration::from_secs(30))
        .await
        .is_none()
    {
        panic!(
            "the panel got fewer than 150 readings: {:?} (station link {:?}, connector {:?})",
            stats(&mut browser, &page).await,
            ws.link_stats(READING),
            ws.stats()
        );
    }
    let first = readings(&mut browser, &page).await;
    let gaps = check_exact(&first);
    assert!(first.len() >= 100);
    let before = stats(&mut browser, &page).await;
    println!(
        "panel: {} readings #{}..#{} in order, bit-exact, {gaps} skipped; counters {before:?}; \
         bundle {wasm} B",
        first.len(),
        first[0].0,
        first[first.len() - 1].0
    );
    assert_eq!(before[0], 2.0, "one socket per link, both open");
    assert_eq!((before[4], before[5]), (0.0, 0.0), "no decode errors");
    assert!(ws.stats().peer_sessions >= 2);

    // No heap allocation per reading in the wasm module.
    let allocated_before = browser
        .eval(&page, "window.__panel.m.allocations()")
        .await
        .as_f64()
        .unwrap();
    let received_before = before[3];
    let more = format!(
        "window.__panel.m.link_stats()[3] >= {}",
        received_before + 200.0
    );
    assert!(
        browser
            .wait_for(&page, &more, Duration::from_secs(20))
            .await
            .is_some(),
        "200 more readings did not arrive"
    );
    let allocated = browser
        .eval(&page, "window.__panel.m.allocations()")
        .await
        .as_f64()
        .unwrap()
        - allocated_before;
    println!("panel: {allocated} heap allocations in the wasm module for 200+ readings");
    assert!(
        allocated < 100.0,
        "{allocated} allocations for 200 readings: something allocates per message"
    );

    // The panel owns the request: the page produces it, the station's tap gets it.
    browser.eval(&page, "window.__panel.m.request(215)").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !REQUESTS.lock().unwrap().contains(&215) {
        assert!(
            std::time::Instant::now() < deadline,
            "the panel's request never reached the station: {:?}, {:?}",
            ws.link_stats(REQUEST),
            stats(&mut browser, &page).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let link = ws.link_stats(REQUEST).unwrap();
    assert_eq!((link.received, link.decode_errors), (1, 0));
    println!("panel request 21.5 °C reached the station's tap");

    // A malformed binary message to the panel (the station's connector publishes garbage on
    // the reading's link): counted by the panel, the socket stays up, readings keep coming.
    ws.publish(READING, &[0xde, 0xad, 0xbe]).unwrap();
    let counted = "(s => s[4] + s[5] >= 1)(window.__panel.m.link_stats())";
    assert!(
        browser
            .wait_for(&page, counted, Duration::from_secs(5))
            .await
            .is_some(),
        "the malformed message was not counted: {:?}",
        stats(&mut browser, &page).await
    );
    let last = readings(&mut browser, &page).await.last().unwrap().0;
    let again = format!("window.__panel.readings.at(-1)[0] > {}", last + 20);
    assert!(
        browser
            .wait_for(&page, &again, Duration::from_secs(10))
            .await
            .is_some(),
        "no readings after the malformed message"
    );
    let after = stats(&mut browser, &page).await;
    assert_eq!(after[2], before[2], "no reconnect: {before:?} -> {after:?}");
    assert_eq!(after[0], 2.0);
    check_exact(&readings(&mut browser, &page).await);
    println!(
        "panel: malformed message counted (decode {}, schema {}), still connected",
        after[4], after[5]
    );

    // Every connection cut (the proxy drops them): the panel notices, opens its sockets
    // again after its backoff, and readings flow again, in order and bit-exact.
    let before = stats(&mut browser, &page).await;
    let last = readings(&mut browser, &page).await.last().unwrap().0;
    proxy.cut();
    let again = format!(
        "(s => s[0] === 2 && s[2] >= {})(window.__panel.m.link_stats()) && \
         window.__panel.readings.at(-1)[0] > {}",
        before[2] + 2.0,
        last + 20
    );
    assert!(
        browser
            .wait_for(&page, &again, Duration::from_secs(15))
            .await
            .is_some(),
        "no readings after the cut: {before:?} -> {:?}",
        stats(&mut browser, &page).await
    );
    let after = stats(&mut browser, &page).await;
    let all = readings(&mut browser, &page).await;
    // The first value after a reconnect is the link's last one again (replayed), which the
    // panel may have had: in order means never going back.
    let resumed = all.iter().position(|r| r.0 > last).unwrap();
    assert!(all.windows(2).all(|w| w[1].0 >= w[0].0), "went back");
    check_exact(&all[resumed..]);
    check_exact(&all[..resumed]);
    println!(
        "panel: connections cut, reconnected ({before:?} -> {after:?}), readings #{}.. in order",
        all[resumed].0
    );

    let shot = browser.screenshot(&page).await;
    std::fs::write(root().join("target/browser/browser-ws.png"), shot).unwrap();

    // A malformed binary message to the station on the panel's link: counted on the link;
    // the next value on the same socket is delivered. One on the reading's path (the
    // station's own record) is refused and counted.
    let base = format!("ws://{}/link", ws.local_addr());
    let (mut writer, _) = connect_async(format!("{base}/{REQUEST}")).await.unwrap();
    writer
        .send(Message::binary(&[0xff, 0x00, 0x01][..]))
        .await
        .unwrap();
    let mut payload = [0u8; 32];
    let n =
        contract::encode::<Postcard, _>(&SetpointRequest { tenths: 190 }, &mut payload).unwrap();
    writer
        .send(Message::binary(payload[..n].to_vec()))
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !REQUESTS.lock().unwrap().contains(&190) {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            ws.link_stats(REQUEST)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let link = ws.link_stats(REQUEST).unwrap();
    assert_eq!(link.received, 2);
    assert_eq!(link.decode_errors + link.schema_mismatch, 1, "{link:?}");
    let (mut intruder, _) = connect_async(format!("{base}/{READING}")).await.unwrap();
    intruder
        .send(Message::binary(payload[..n].to_vec()))
        .await
        .unwrap();
    // The intruder's socket is a reader of the reading still: values keep coming.
    let mut got = 0;
    while got < 3 {
        match tokio::time::timeout(Duration::from_secs(2), intruder.next()).await {
            Ok(Some(Ok(Message::Binary(_)))) => got += 1,
            Ok(Some(Ok(_))) => {}
            other => panic!("the reading's socket ended: {other:?}"),
        }
    }
    assert_eq!(ws.stats().peer_refused, 1);
    assert_eq!(REQUESTS.lock().unwrap().as_slice(), [215, 190]);
    println!("station: malformed value counted ({link:?}), foreign value refused, sockets up");
}

/// A TCP proxy to the station whose connections the test can cut at once.
struct Proxy {
    port: u16,
    connections: std::sync::Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(to: std::net::SocketAddr) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = std::sync::Arc::new(Mutex::new(Vec::new()));
        let list = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let Ok(mut outbound) = tokio::net::TcpStream::connect(to).await else {
                    continue;
                };
                let task = tokio::spawn(async move {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                list.lock().unwrap().push(task);
            }
        });
        Proxy { port, connections }
    }

    /// Drop every connection made so far (both sides see them close).
    fn cut(&self) {
        for task in self.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}
