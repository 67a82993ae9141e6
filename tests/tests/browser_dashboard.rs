//! The dashboard page in a real browser: a tokio node generated from
//! `browser_support/observer.toml` produces a known sequence of readings and serves them
//! over the WebSocket connector; headless Chromium (driven over the DevTools protocol) opens
//! the page, and the test reads the DOM: the shown values change as the node produces them
//! and each matches what was produced; the chart fills; the topology marks the reading's
//! owner; a value written in the page reaches the node's `link_from` record; a page without
//! the token is refused; a value written by another version of a record type (another
//! contract fingerprint than the node declared) is refused by the page, counted on the record's
//! card and in the header, and never shown; a producer node the host reports offline is
//! marked in the picture, and the card of what it produces says stale; what the node's link
//! refused (decode errors, oversize, schema mismatch) is on the record's card. A screenshot is saved to `target/browser/dashboard.png`.

#[path = "browser_support/cdp.rs"]
mod cdp;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use aimdb::buffer::BufferKind;
use aimdb::connector::{CodecError, Connector};
use aimdb::connectors::ws::{WsConfig, WsConnector};
use aimdb::contract::Fingerprint;
use aimdb::{Consumer, Producer};
use serde_json::{Value, json};

const READING: &str = "climate/zone-a/reading";
const SETPOINT: &str = "climate/zone-a/setpoint";
const TOPOLOGY: &str = include_str!("browser_support/observer.toml");
/// A record on a named-codec link, declared on the connector by hand (observer.toml's links
/// are raw): its contract is [`OURS`].
const CHECKED: &str = "climate/zone-a/checked";
const OURS: Fingerprint = Fingerprint(*b"\x10\x32\x54\x76\x98\xba\xdc\xfe");
/// Time between two readings: slow enough to see each one in the page, fast enough to see
/// several in a few seconds.
const PACE: Duration = Duration::from_millis(150);

/// A reading: its number in the sequence and hundredths of a degree.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    #[doc = "Its number in the sequence."]
    pub seq: u32,
    #[doc = "Hundredths of a degree."]
    pub centi: i32,
}

/// What a browser writes: hundredths of a degree.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Setpoint {
    #[doc = "Hundredths of a degree."]
    pub centi: i32,
}

/// The known sequence: reading `seq` is this many hundredths of a degree.
fn centi_of(seq: u32) -> i32 {
    2000 + (seq as i32 * 37) % 400
}

/// `21.37` from 2137, without float formatting.
fn celsius_text(centi: i32) -> String {
    let sign = if centi < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        centi.unsigned_abs() / 100,
        centi.unsigned_abs() % 100
    )
}

/// A `fmt::Write` into a fixed buffer: the serializer writes no heap.
struct Slice<'a>(&'a mut [u8], usize);

impl std::fmt::Write for Slice<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.1 + s.len();
        self.0
            .get_mut(self.1..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.1 = end;
        Ok(())
    }
}

impl Reading {
    /// The ws link's serializer: JSON text, `{"seq":7,"celsius":22.59}`.
    pub fn to_json(&self, out: &mut [u8]) -> Result<usize, CodecError> {
        let mut w = Slice(out, 0);
        write!(
            w,
            "{{\"seq\":{},\"celsius\":{}}}",
            self.seq,
            celsius_text(self.centi)
        )
        .map_err(|_| CodecError::Oversize)?;
        Ok(w.1)
    }
}

impl Setpoint {
    /// The ws link's deserializer: a JSON number of degrees.
    pub fn from_json(bytes: &[u8]) -> Result<Self, CodecError> {
        let text = std::str::from_utf8(bytes).map_err(|_| CodecError::Malformed)?;
        let degrees: f64 = text.trim().parse().map_err(|_| CodecError::Malformed)?;
        if !degrees.is_finite() || degrees.abs() > 1000.0 {
            return Err(CodecError::Malformed);
        }
        Ok(Setpoint {
            centi: (degrees * 100.0).round() as i32,
        })
    }
}

/// Every reading the source produced, in order.
static PRODUCED: Mutex<Vec<Reading>> = Mutex::new(Vec::new());
/// Every setpoint the node's tap saw.
static SETPOINTS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

async fn produce_readings(producer: Producer<'static, Reading>) {
    for seq in 1.. {
        let reading = Reading {
            seq,
            centi: centi_of(seq),
        };
        PRODUCED.lock().unwrap().push(reading);
        let _ = producer.produce(reading).await;
        tokio::time::sleep(PACE).await;
    }
}

async fn record_setpoint(mut consumer: Consumer<'static, Setpoint>) {
    while let Ok(setpoint) = consumer.recv().await {
        SETPOINTS.lock().unwrap().push(setpoint.centi);
    }
}

aimdb::topology!(
    file = "tests/browser_support/observer.toml",
    node = "station"
);

/// The JSON picture `aimdb graph --format json` prints for the topology file.
fn graph() -> String {
    let (system, diagnostics) = aimdb_compiler::check_file(TOPOLOGY);
    assert!(diagnostics.is_empty(), "observer.toml does not check");
    aimdb_compiler::report::json::render(&system.expect("a system"))
}

/// The reading's card as the page shows it: (JSON of the value, seq, shown text).
const CARD: &str = r#"(() => {
    const card = document.querySelector('article.record[data-key="climate/zone-a/reading"]');
    const value = card && card.querySelector('.value');
    if (!value || !value.dataset.seq) return null;
    return [value.dataset.json, Number(value.dataset.seq), value.textContent,
            Number(card.querySelector('canvas').dataset.points)];
})()"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_shows_the_values_the_node_produces() {
    let mut config = WsConfig::new("127.0.0.1:0".parse().unwrap());
    config.token = Some("browser-test-token".into());
    config.graph = Some(graph());
    config.title = "observer · station".into();
    let ws = WsConnector::start(config).expect("ws connector");
    // A named-codec link's contract, declared as generated code declares it at start-up.
    ws.register_outbound(CHECKED, BufferKind::SingleLatest);
    ws.declare_contract(CHECKED, OURS);
    tokio::spawn(station::run(station::Links { ws }));

    let mut browser = cdp::Browser::launch().await;
    let page = browser.open(&ws.page_url()).await;
    let live = "document.getElementById('status')?.dataset.state === 'connected'";
    assert!(
        browser
            .wait_for(&page, live, Duration::from_secs(15))
            .await
            .is_some(),
        "the page did not connect"
    );

    // Sample the card as the node keeps producing: every value shown must be one the node
    // produced (JSON and text), and the shown value must move on.
    let mut seen = BTreeSet::new();
    let mut last_seq = 0;
    let mut points = 0.0;
    for _ in 0..12 {
        let card = browser
            .wait_for(&page, CARD, Duration::from_secs(5))
            .await
            .expect("the reading's card shows a value");
        let json_text = card[0].as_str().unwrap();
        let seq = card[1].as_u64().unwrap() as u32;
        let shown = card[2].as_str().unwrap();
        points = card[3].as_f64().unwrap();
        let produced = PRODUCED.lock().unwrap().get(seq as usize - 1).copied();
        let produced = produced.unwrap_or_else(|| panic!("the page shows #{seq}, never produced"));
        assert_eq!(produced.seq, seq);
        let value: Value = serde_json::from_str(json_text).unwrap();
        let expected: Value = serde_json::from_str(&format!(
            r#"{{"seq":{seq},"celsius":{}}}"#,
            celsius_text(produced.centi)
        ))
        .unwrap();
        assert_eq!(value, expected, "value of #{seq}");
        let shown_number: f64 = shown.parse().unwrap_or_else(|_| panic!("shown `{shown}`"));
        assert!(
            (shown_number * 100.0 - f64::from(produced.centi)).abs() < 0.5,
            "#{seq} shown as `{shown}`"
        );
        assert!(seq >= last_seq, "went back from #{last_seq} to #{seq}");
        last_seq = seq;
        seen.insert(seq);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    println!(
        "page showed readings {:?}; chart holds {points} points",
        seen
    );
    assert!(
        seen.len() >= 6,
        "the shown value changed only {} times: {seen:?}",
        seen.len()
    );
    assert!(points >= 6.0, "the chart holds {points} points");

    // The topology: the reading's box is marked as its key's owner, the setpoint's is not.
    let owners = browser
        .eval(
            &page,
            "[...document.querySelectorAll('#topology g.box')].map(b => [b.dataset.key, b.dataset.owner])",
        )
        .await;
    assert_eq!(owners, json!([[READING, "true"], [SETPOINT, "false"]]));
    let edges = browser
        .eval(
            &page,
            "[...document.querySelectorAll('#topology g.edge text')].map(t => t.textContent)",
        )
        .await;
    assert_eq!(
        edges,
        json!([format!("ws://{READING}"), format!("ws://{SETPOINT}")])
    );

    // The setpoint is the one record the page may write: its form reaches the node's tap.
    let write = format!(
        r#"(() => {{
            const card = document.querySelector('article.record[data-key="{SETPOINT}"]');
            card.querySelector('input').value = '23.5';
            card.querySelector('form').requestSubmit();
            return true;
        }})()"#
    );
    browser.eval(&page, &write).await;
    let reply = format!(
        r#"document.querySelector('article.record[data-key="{SETPOINT}"] .reply')?.textContent === 'written'"#
    );
    assert!(
        browser
            .wait_for(&page, &reply, Duration::from_secs(5))
            .await
            .is_some()
    );
    assert_eq!(*SETPOINTS.lock().unwrap(), [2350]);

    // The checked record's card shows its contract. A value of another version of the type
    // (as a hub relays one from a writer built with another `Temperature`) is refused by the
    // page: counted on the card and in the header, never shown; one of ours is shown.
    let contract = format!(
        r#"document.querySelector('article.record[data-key="{CHECKED}"] .contract')?.dataset.fingerprint"#
    );
    assert_eq!(
        browser.eval(&page, &contract).await,
        json!(OURS.to_string())
    );
    let foreign = Fingerprint(*b"\xff\xee\xdd\xcc\xbb\xaa\x99\x88");
    let checked = format!(
        r#"(() => {{
            const card = document.querySelector('article.record[data-key="{CHECKED}"]');
            const contract = card.querySelector('.contract').dataset;
            return [card.querySelector('.value').dataset.json, contract.refused ?? "0",
                    contract.lastForeign ?? null,
                    document.getElementById('counts').dataset.schemaMismatch];
        }})()"#
    );
    // One at a time: the link is `SingleLatest`, so a value published before the last
    // was sent may be replaced by the next.
    let steps = [
        (foreign, "99.5", json!(["", "1", foreign.to_string(), "1"])),
        (foreign, "98.5", json!(["", "2", foreign.to_string(), "2"])),
        (
            OURS,
            "21.5",
            json!([r#"{"celsius":21.5}"#, "2", foreign.to_string(), "2"]),
        ),
    ];
    for (fingerprint, celsius, expected) in steps {
        let mut payload = fingerprint.0.to_vec();
        payload.extend_from_slice(format!(r#"{{"celsius":{celsius}}}"#).as_bytes());
        std::future::poll_fn(|cx| ws.poll_ready(cx)).await;
        ws.publish(CHECKED, &payload).expect("published");
        let reached = format!("JSON.stringify({checked}) === {:?}", expected.to_string());
        if browser
            .wait_for(&page, &reached, Duration::from_secs(5))
            .await
            .is_none()
        {
            panic!(
                "after {fingerprint} {celsius}: the page shows {} (wanted {expected})",
                browser.eval(&page, &checked).await
            );
        }
    }

    // Liveness: the station's state in the picture; offline, the card of the reading it
    // produces says stale and why, though values still arrive (a will can come first).
    let station = r#"(() => {
        const g = document.querySelector('#topology g.cluster[data-node="station"]');
        const card = document.querySelector('article.record[data-key="climate/zone-a/reading"]');
        return [g && g.dataset.online, g && g.querySelector('text.title').textContent,
                card.querySelector('.value').dataset.stale || ''];
    })()"#;
    ws.set_node_online("station", Some(true));
    let online = r#"document.querySelector('#topology g.cluster[data-node="station"]')?.dataset.online === 'online'"#;
    assert!(
        browser
            .wait_for(&page, online, Duration::from_secs(5))
            .await
            .is_some()
    );
    ws.set_node_online("station", Some(false));
    let offline = r#"document.querySelector('article.record[data-key="climate/zone-a/reading"] .value')?.dataset.stale === 'its producer, node station, is offline'"#;
    if browser
        .wait_for(&page, offline, Duration::from_secs(5))
        .await
        .is_none()
    {
        panic!("the page shows {}", browser.eval(&page, station).await);
    }
    let shown = browser.eval(&page, station).await;
    assert_eq!(shown[0], "offline", "{shown}");
    assert!(
        shown[1].as_str().unwrap().ends_with(" · offline"),
        "{shown}"
    );
    ws.set_node_online("station", Some(true));
    let fresh = r#"document.querySelector('article.record[data-key="climate/zone-a/reading"] .value')?.dataset.stale === ''"#;
    assert!(
        browser
            .wait_for(&page, fresh, Duration::from_secs(5))
            .await
            .is_some()
    );

    // What the node's inbound link refused, as the host reports it: on the record's card.
    ws.set_link_counters(
        READING,
        &[
            ("decode_errors", 2),
            ("oversize", 1),
            ("schema_mismatch", 0),
        ],
    );
    let counters = format!(
        r#"document.querySelector('article.record[data-key="{READING}"] .counters')?.textContent"#
    );
    let shown = browser
        .wait_for(&page, &counters, Duration::from_secs(5))
        .await
        .expect("the card shows the link's counters");
    assert_eq!(
        shown,
        "the node's link refused: 2 decode errors · 1 oversize · 0 schema mismatch"
    );

    // Let the chart gather a few more points, then the picture.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let png = browser.screenshot(&page).await;
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dashboard.png");
    std::fs::write(&path, &png).unwrap();
    println!("screenshot: {} ({} bytes)", path.display(), png.len());

    // Without the token the socket is refused: the page says so and shows no value.
    let before = ws.stats().unauthorized;
    let stranger = browser.open(&format!("http://{}/", ws.local_addr())).await;
    let refused = "document.getElementById('status')?.dataset.state === 'disconnected'";
    assert!(
        browser
            .wait_for(&stranger, refused, Duration::from_secs(10))
            .await
            .is_some()
    );
    assert_eq!(browser.eval(&stranger, CARD).await, Value::Null);
    assert!(ws.stats().unauthorized > before);
}

/// The same checks against the climate demo's dashboard node (issue 7's system, with the
/// `ws://` link on its reading): start the demo, then
/// `AIMDB_DASHBOARD_URL=http://127.0.0.1:8080/ cargo test -p aimdb-tests --test browser_dashboard -- --ignored`.
/// Every reading shown must be the sensor's `climate_model::sample(seq)` for its seq.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a running climate dashboard: set AIMDB_DASHBOARD_URL"]
async fn the_climate_dashboard_shows_what_the_sensor_produces() {
    let url = std::env::var("AIMDB_DASHBOARD_URL").expect("AIMDB_DASHBOARD_URL");
    let mut browser = cdp::Browser::launch().await;
    let page = browser.open(&url).await;
    let live = "document.getElementById('status')?.dataset.state === 'connected'";
    assert!(
        browser
            .wait_for(&page, live, Duration::from_secs(15))
            .await
            .is_some()
    );
    let mut seen = BTreeSet::new();
    for _ in 0..10 {
        let card = browser
            .wait_for(&page, CARD, Duration::from_secs(10))
            .await
            .expect("the reading's card shows a value");
        let value: Value = serde_json::from_str(card[0].as_str().unwrap()).unwrap();
        let seq = value["seq"].as_u64().expect("seq") as u32;
        let celsius = value["celsius"].as_f64().expect("celsius");
        let expected = f64::from(climate_model::sample(seq));
        assert!(
            (celsius - expected).abs() < 0.005,
            "#{seq}: shown {celsius}, sensor produced {expected}"
        );
        seen.insert(seq);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    println!("climate dashboard showed readings {seen:?}");
    assert!(
        seen.len() >= 3,
        "the shown value changed only {} times: {seen:?}",
        seen.len()
    );
    let owner = browser
        .eval(
            &page,
            "document.querySelector('#topology g.box.owner')?.dataset.id",
        )
        .await;
    assert_eq!(owner, json!("sensor__reading"));
    let png = browser.screenshot(&page).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("climate-dashboard.png"), &png).unwrap();
}
