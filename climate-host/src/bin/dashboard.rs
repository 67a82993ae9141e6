//! The climate system's `dashboard` node on the host (tokio), generated from
//! `topologies/climate.toml`: it observes `climate/zone-a/reading` over MQTT into a
//! `SingleLatest` buffer and taps it with `render_chart`.
//!
//! The hand-written part: the tap (counts readings and gaps in their sequence numbers), a
//! status line twice a second, and `main` (broker address, MQTT connector, run the node).
//!
//! ```sh
//! cargo run --release -p climate-host --bin dashboard -- --broker 127.0.0.1:1883
//! ```
//!
//! A broker that enforces the topology (`scripts/broker.sh`) wants the node's login:
//! `AIMDB_MQTT_PASSWORD` (and `AIMDB_MQTT_USERNAME`, default `dashboard`) in the environment.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI32, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use aimdb::Consumer;
use aimdb::connectors::mqtt::{MqttConfig, MqttConnector};
use aimdb::connectors::ws::{WsConfig, WsConnector};
use climate_host::{broker_from_args, celsius, link_state, login_text, tag};
use climate_model::Temperature;

aimdb::topology!(file = "../topologies/climate.toml", node = "dashboard");

/// What the tap has seen, for the status line.
static RECEIVED: AtomicU64 = AtomicU64::new(0);
static MISSED: AtomicU64 = AtomicU64::new(0);
static LATEST_SEQ: AtomicU32 = AtomicU32::new(0);
static LATEST_CENTI: AtomicI32 = AtomicI32::new(0);
static RESTARTS: AtomicU32 = AtomicU32::new(0);
/// For the summary on exit (scripts/soak.sh adds them up): the first and last sequence
/// numbers seen (`u64::MAX`: none yet), the missed readings split by whether the
/// dashboard's link reconnected between the two readings around the gap (an outage) or
/// not (overwritten in `SingleLatest`, or dropped by the sensor's queue), and readings
/// delivered twice (a QoS 1 redelivery after a reconnect).
static FIRST_SEQ: AtomicU64 = AtomicU64::new(u64::MAX);
static LAST_SEQ: AtomicU64 = AtomicU64::new(u64::MAX);
static MISSED_OUTAGE: AtomicU64 = AtomicU64::new(0);
static DUPLICATES: AtomicU64 = AtomicU64::new(0);
static MQTT: OnceLock<&'static MqttConnector> = OnceLock::new();
/// The link's own account, for the soak: every reading that arrived from the broker, and
/// those that arrived again (QoS 1 is at least once). Counted by a second route on the
/// reading's topic ([`witness`]), before the `SingleLatest` buffer can overwrite anything,
/// so `arrived - arrived_again - received` is exactly what the buffer overwrote.
static ARRIVED: AtomicU64 = AtomicU64::new(0);
static ARRIVED_AGAIN: AtomicU64 = AtomicU64::new(0);
static SEEN: std::sync::Mutex<Vec<u64>> = std::sync::Mutex::new(Vec::new());
/// The witness's bitset holds at most this many words (sequence numbers below 2^24).
const WITNESS_WORDS: usize = (1 << 24) / 64;
static WITNESS: [aimdb::connector::InboundRoute; 1] = [aimdb::connector::InboundRoute {
    address: "climate/zone-a/reading",
    deliver: witness,
}];

/// Count an arriving reading, and whether its sequence number arrived before. Never refuses
/// (the node's own route counts what does not decode).
fn witness(payload: &[u8]) -> Result<(), aimdb::connector::CodecError> {
    ARRIVED.fetch_add(1, Ordering::Relaxed);
    let decoded = aimdb::contract::decode::<aimdb::codec::Postcard, Temperature, ()>(payload);
    let Ok(reading) = decoded else {
        return Ok(());
    };
    let (word, bit) = (reading.seq as usize / 64, reading.seq % 64);
    // 2^24 readings (46 hours at 100/s) in 2 MiB: a sequence number beyond that (a forged
    // or corrupt one) is counted as arrived but cannot make the bitset grow to 512 MiB.
    if word >= WITNESS_WORDS {
        return Ok(());
    }
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if seen.len() <= word {
        seen.resize(word + 1, 0);
    }
    if seen[word] & (1 << bit) != 0 {
        ARRIVED_AGAIN.fetch_add(1, Ordering::Relaxed);
    }
    seen[word] |= 1 << bit;
    Ok(())
}
static WS: OnceLock<&'static WsConnector> = OnceLock::new();
/// When the last reading arrived, in ms since [`START`].
static LAST_AT_MS: AtomicU64 = AtomicU64::new(0);
static START: OnceLock<std::time::Instant> = OnceLock::new();
/// A reading older than this is shown as stale (the sensor publishes every 10 ms).
const STALE_AFTER: Duration = Duration::from_secs(2);

fn since_start() -> Duration {
    START.get_or_init(std::time::Instant::now).elapsed()
}

/// `sensor online`, `sensor OFFLINE`, or `sensor ?` before anything was heard, for every
/// producer this node follows, and whether the latest reading is stale: no reading for
/// [`STALE_AFTER`], or its producer is offline.
fn freshness(mqtt: &MqttConnector) -> String {
    let mut offline = false;
    let nodes: Vec<String> = dashboard::OBSERVED_LIVENESS
        .iter()
        .map(|topic| {
            let node = aimdb::address::mqtt::liveness_node(topic).unwrap_or(topic);
            match mqtt.node_online(topic) {
                Some(true) => format!("{node} online"),
                Some(false) => {
                    offline = true;
                    format!("{node} OFFLINE")
                }
                None => format!("{node} ?"),
            }
        })
        .collect();
    let age =
        since_start().saturating_sub(Duration::from_millis(LAST_AT_MS.load(Ordering::Relaxed)));
    let stale = if offline || age > STALE_AFTER {
        format!(", STALE ({:.1} s old)", age.as_secs_f64())
    } else {
        String::new()
    };
    format!("{}{stale}", nodes.join(", "))
}

/// The tap: every reading the buffer hands over. A gap in the sequence numbers is counted
/// as missed: readings lost while the broker was down, or overwritten in the `SingleLatest`
/// buffer (it keeps only the newest) before the tap ran.
async fn render_chart(mut consumer: Consumer<'static, Temperature>) {
    let mut last: Option<u32> = None;
    let mut connects_before = 0;
    while let Ok(reading) = consumer.recv().await {
        let connects = MQTT.get().map_or(0, |mqtt| mqtt.stats().connects);
        match last {
            Some(prev) if reading.seq > prev => {
                let gap = u64::from(reading.seq - prev - 1);
                MISSED.fetch_add(gap, Ordering::Relaxed);
                if connects != connects_before {
                    MISSED_OUTAGE.fetch_add(gap, Ordering::Relaxed);
                }
            }
            // The same reading again: QoS 1 delivers at least once.
            Some(prev) if reading.seq == prev => {
                DUPLICATES.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            // The sequence started again: the sensor rebooted.
            Some(_) => {
                RESTARTS.fetch_add(1, Ordering::Relaxed);
            }
            None => {
                FIRST_SEQ.store(u64::from(reading.seq), Ordering::Relaxed);
            }
        }
        connects_before = connects;
        last = Some(reading.seq);
        LAST_SEQ.store(u64::from(reading.seq), Ordering::Relaxed);
        LATEST_SEQ.store(reading.seq, Ordering::Relaxed);
        LATEST_CENTI.store(reading.centi_celsius(), Ordering::Relaxed);
        RECEIVED.fetch_add(1, Ordering::Relaxed);
        LAST_AT_MS.store(since_start().as_millis() as u64, Ordering::Relaxed);
    }
}

/// One status line every 500 ms: the latest reading and the link's state.
async fn status() {
    let tag = tag("dashboard", "host");
    let mut ticker = tokio::time::interval(Duration::from_millis(500));
    loop {
        ticker.tick().await;
        // The page hears each producer's liveness too: its node in the picture goes
        // offline and the cards of what it produces say stale.
        if let (Some(mqtt), Some(ws)) = (MQTT.get(), WS.get()) {
            for topic in dashboard::OBSERVED_LIVENESS {
                let node = aimdb::address::mqtt::liveness_node(topic).unwrap_or(topic);
                ws.set_node_online(node, mqtt.node_online(topic));
            }
            // And what the reading's MQTT link refused, on the reading's card.
            if let Some(l) = mqtt.link_stats("climate/zone-a/reading") {
                ws.set_link_counters(
                    "climate/zone-a/reading",
                    &[
                        ("decode_errors", l.decode_errors),
                        ("oversize", l.oversize),
                        ("schema_mismatch", l.schema_mismatch),
                    ],
                );
            }
        }
        let received = RECEIVED.load(Ordering::Relaxed);
        let link = match MQTT.get().map(|mqtt| mqtt.stats()) {
            Some(stats) => format!(
                "{} ({} reconnects)",
                link_state(stats.connected, stats.connects),
                stats.reconnects
            ),
            None => "starting".to_owned(),
        };
        if received == 0 {
            println!("{tag} waiting for readings ({link})");
            continue;
        }
        let restarts = match RESTARTS.load(Ordering::Relaxed) {
            0 => String::new(),
            n => format!(", sensor restarted {n}x"),
        };
        // What the link refused, live (not only in the summary): payloads that did not decode,
        // ones over the payload limit and ones written with another version of
        // `Temperature` (another contract fingerprint), each counted and skipped.
        let refused = MQTT
            .get()
            .and_then(|mqtt| mqtt.link_stats("climate/zone-a/reading"))
            .map_or(String::new(), |l| {
                format!(
                    "; {} decode errors, {} oversize, {} schema mismatch",
                    l.decode_errors, l.oversize, l.schema_mismatch
                )
            });
        let fresh = MQTT
            .get()
            .map_or(String::new(), |mqtt| format!("; {}", freshness(mqtt)));
        println!(
            "{tag} latest {} (#{}, {received} received, {} missed{restarts}) {link}{refused}{fresh}",
            celsius(LATEST_CENTI.load(Ordering::Relaxed)),
            LATEST_SEQ.load(Ordering::Relaxed),
            MISSED.load(Ordering::Relaxed),
        );
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let broker = match broker_from_args("dashboard") {
        Ok(broker) => broker,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let client_id = format!("climate-dashboard-{}", std::process::id());
    // The login, from AIMDB_MQTT_USERNAME (default `dashboard`) and AIMDB_MQTT_PASSWORD.
    let config = MqttConfig::new(broker.ip().to_string(), broker.port(), client_id)
        .with_credentials_from_env(dashboard::NODE)
        // Publish its own liveness and follow the sensor's (a last will marks it offline).
        .with_liveness(dashboard::LIVENESS, dashboard::OBSERVED_LIVENESS);
    let login = login_text(config.credentials.as_ref().map(|(user, _)| user.as_str()));
    let mqtt = match MqttConnector::start(config) {
        Ok(mqtt) => mqtt,
        Err(error) => {
            eprintln!("dashboard: MQTT configuration: {error}");
            std::process::exit(2);
        }
    };
    let _ = MQTT.set(mqtt);
    // The soak's accounting: every arrival, counted before the buffer (see `witness`).
    aimdb::connector::Connector::attach(mqtt, &WITNESS);
    println!(
        "{} observing climate/zone-a/reading via mqtt://{broker} ({login}); contract {}",
        tag("dashboard", "host"),
        dashboard::READING_FINGERPRINT
    );
    let ws = match start_web() {
        Ok(ws) => ws,
        Err(message) => {
            eprintln!("dashboard: {message}");
            std::process::exit(2);
        }
    };
    let _ = WS.set(ws);
    println!(
        "{} page: {}",
        tag("dashboard", "host"),
        ws.masked_page_url()
    );
    tokio::spawn(status());
    tokio::select! {
        () = dashboard::run(dashboard::Links { mqtt }) => {}
        () = stop_signal() => {
            // A clean end: what is queued goes out, then DISCONNECT (the broker logs
            // "disconnected", not "closed its connection").
            let ended = mqtt.disconnect(std::time::Duration::from_secs(2)).await;
            println!("{} disconnected from the broker: {ended:?}", tag("dashboard", "host"));
            summary();
            std::process::exit(0);
        }
    }
}

/// SIGTERM or Ctrl-C: the end of a run (scripts/soak.sh stops the dashboard with SIGTERM).
async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = ctrl_c.await;
        }
    }
}

/// The last line on exit: every count, `key=value`, for scripts/soak.sh to add up.
fn summary() {
    let seq = |cell: &AtomicU64| match cell.load(Ordering::Relaxed) {
        u64::MAX => "none".to_owned(),
        n => n.to_string(),
    };
    let stats = MQTT.get().map(|mqtt| mqtt.stats());
    let link = MQTT
        .get()
        .and_then(|mqtt| mqtt.link_stats("climate/zone-a/reading"));
    let missed = MISSED.load(Ordering::Relaxed);
    let outage = MISSED_OUTAGE.load(Ordering::Relaxed);
    println!(
        "{} summary: received={} missed={missed} missed_outage={outage} missed_connected={} \
         first_seq={} last_seq={} duplicates={} sensor_restarts={} reconnects={} \
         link_received={} link_duplicates={} decode_errors={} oversize={} schema_mismatch={}",
        tag("dashboard", "host"),
        RECEIVED.load(Ordering::Relaxed),
        missed - outage,
        seq(&FIRST_SEQ),
        seq(&LAST_SEQ),
        DUPLICATES.load(Ordering::Relaxed),
        RESTARTS.load(Ordering::Relaxed),
        stats.map_or(0, |s| s.reconnects),
        ARRIVED.load(Ordering::Relaxed),
        ARRIVED_AGAIN.load(Ordering::Relaxed),
        link.map_or(0, |l| l.decode_errors),
        link.map_or(0, |l| l.oversize),
        link.map_or(0, |l| l.schema_mismatch),
    );
}

/// The page's server: `AIMDB_WEB` (default 127.0.0.1:8080; port 0 picks one), guarded by
/// `AIMDB_WEB_TOKEN` if set, drawing the graph of the file this node was generated from, and
/// serving the browser node's wasm bundle under `/pkg/` from `AIMDB_WEB_BUNDLE` (default
/// `target/browser/pkg`, where `scripts/build-browser.sh` puts it): the page runs the
/// file's `browser` node itself, so this node no longer relays the reading to it.
fn start_web() -> Result<&'static WsConnector, String> {
    let bind = std::env::var("AIMDB_WEB").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let bind = climate_host::resolve(&bind).map_err(|e| format!("AIMDB_WEB: {e}"))?;
    let mut config = WsConfig::new(bind);
    config.token = std::env::var("AIMDB_WEB_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    config.title = "climate · dashboard".to_owned();
    config.bundle = Some(
        std::env::var_os("AIMDB_WEB_BUNDLE")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser/pkg")
            }),
    );
    // Rendered from the topology file at build time (build.rs).
    config.graph = Some(include_str!(concat!(env!("OUT_DIR"), "/climate-graph.json")).to_owned());
    WsConnector::start(config).map_err(|e| format!("web page: {e}"))
}
