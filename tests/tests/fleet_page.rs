//! The fleet's page in a real browser (`topologies/fleet.toml`, node `overview`): the page
//! shows the reading family as a grid of zones, one cell per declared instance (200), each
//! with its latest value and its liveness, and the summary the overview's join derives from
//! the family.
//!
//! Four instances of the `sensor` node run as child processes (this test binary started
//! again as the ignored test [`page_sensor_instance`]), each on the embassy std executor with
//! the host MQTT connector, publishing its liveness (`online`, retained; `offline` as its last
//! will) and a reading every 100 ms whose temperature says which instance it is. The
//! `overview` node runs here on tokio: the family over MQTT (one wildcard subscription), one
//! ws link per zone and the summary join; its MQTT connector follows every instance's
//! liveness, forwarded to the page (`WsConnector::set_node_online`). Headless Chromium opens
//! the page. Checked: each running zone's cell shows its own value and `online`, the others
//! `unknown`; the summary card says 4 zones and the warmest; one instance killed, its cell
//! says `offline` within 5 s while the others stay online. A screenshot is saved to
//! `target/browser/fleet.png`. Needs mosquitto and chromium.

#[path = "../../aimdb-connectors/tests/support/broker.rs"]
mod broker;
#[path = "browser_support/cdp.rs"]
mod cdp;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aimdb::Producer;
use aimdb::connectors::ws::{WsConfig, WsConnector, WsFamily};
use aimdb_connectors::mqtt::{MqttConfig, MqttConnector};
use climate_model::{FleetSummary, Temperature, Zones};
use serde_json::Value;

aimdb::topology!(file = "../topologies/fleet.toml", node = "overview");
aimdb::topology!(file = "../topologies/fleet.toml", node = "sensor");

/// The instances this test runs (of the file's 200); the second is paused for a while,
/// the third killed.
const RUNNING: [&str; 4] = ["3", "5", "8", "13"];
const PAUSED: &str = "5";
const KILLED: &str = "8";
/// The page's `?stale=MS`: a value this old marks its zone stale.
const STALE_MS: u64 = 1500;

/// Instance `index`'s temperature: 20 °C + index / 4, exact in f32 and in JSON.
fn celsius_of(index: usize) -> f32 {
    20.0 + index as f32 / 4.0
}

/// The overview's join: every zone's reading, told its zone; the summary after each.
async fn summarize_zones(mut rx: overview::SummaryRx, producer: Producer<'static, FleetSummary>) {
    let mut zones = Zones::<{ overview::READING_INSTANCES.len() }>::new();
    while let Ok(trigger) = rx.recv().await {
        let overview::SummaryInput::Reading(instance, reading) = trigger.into_inner();
        let Some(index) = overview::reading_index(instance) else {
            continue;
        };
        if let Some(summary) = zones.update(index, reading.celsius) {
            producer.produce(summary).await;
        }
    }
}

static INDEX: AtomicUsize = AtomicUsize::new(0);

/// The sensor's source: a reading every 100 ms, its temperature naming the instance.
async fn read_temperature_loop(producer: Producer<'static, Temperature>) {
    let celsius = celsius_of(INDEX.load(Ordering::Relaxed));
    let mut ticker = embassy_time::Ticker::every(embassy_time::Duration::from_millis(100));
    for seq in 0.. {
        let taken_us = embassy_time::Instant::now().as_micros();
        producer
            .produce(Temperature {
                seq,
                celsius,
                taken_us,
            })
            .await;
        ticker.next().await;
    }
}

/// One sensor instance (started by [`the_page_shows_the_fleet_as_a_grid_with_liveness`]).
#[test]
#[ignore = "a child process of the fleet page test"]
fn page_sensor_instance() {
    let (Ok(name), Ok(port)) = (
        std::env::var("FLEET_INSTANCE"),
        std::env::var("FLEET_BROKER_PORT"),
    ) else {
        return;
    };
    let instance = sensor::Instance::expect(&name);
    INDEX.store(instance.index(), Ordering::Relaxed);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mqtt = runtime.block_on(async {
        let config = MqttConfig::new("127.0.0.1", port.parse().unwrap(), instance.node_name())
            .with_liveness(instance.liveness(), &[]);
        MqttConnector::start(config).expect("valid config")
    });
    let handle = runtime.handle().clone();
    std::thread::spawn(move || {
        let _tokio = handle.enter();
        let executor: &'static mut embassy_executor::Executor =
            Box::leak(Box::new(embassy_executor::Executor::new()));
        executor.run(|spawner| sensor::spawn(spawner, sensor::Links { mqtt }, instance))
    });
    // Until the parent kills it (bounded, should the parent die first).
    runtime.block_on(async { tokio::time::sleep(Duration::from_secs(120)).await });
}

struct Fleet(Vec<(&'static str, Child)>);

impl Fleet {
    /// `kill -STOP` (`true`) or `kill -CONT` (`false`): the process stays connected, silent.
    fn pause(&mut self, name: &str, stop: bool) {
        let (_, child) = self.0.iter().find(|(n, _)| *n == name).unwrap();
        let signal = if stop { "-STOP" } else { "-CONT" };
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill {signal}");
    }

    fn kill(&mut self, name: &str) {
        let (_, child) = self.0.iter_mut().find(|(n, _)| *n == name).unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for (_, child) in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Every cell of the grid: `[instance, state, shown value]`.
const CELLS: &str = r#"JSON.stringify([...document.querySelectorAll('.family .zone')].map((z) =>
    [z.dataset.instance, z.dataset.state, z.querySelector('.zone-value').textContent]))"#;

fn cells(value: &Value) -> Vec<(String, String, String)> {
    let list: Vec<(String, String, String)> =
        serde_json::from_str(value.as_str().unwrap_or("[]")).unwrap();
    list
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_shows_the_fleet_as_a_grid_with_liveness() {
    let broker = broker::Broker::start();
    let mqtt = MqttConnector::start(
        MqttConfig::new("127.0.0.1", broker.port, "fleet-overview")
            .with_liveness(overview::LIVENESS, overview::OBSERVED_LIVENESS),
    )
    .expect("valid config");
    let mut config = WsConfig::new("127.0.0.1:0".parse().unwrap());
    config.title = "fleet · overview".into();
    config.families = vec![WsFamily::of_nodes(
        "climate/{instance}/reading",
        &overview::READING_INSTANCES,
        &overview::READING_NODES,
    )];
    assert_eq!(
        config.families[0],
        WsFamily::new(
            "climate/{instance}/reading",
            &overview::READING_INSTANCES,
            "sensor"
        )
    );
    assert_eq!(
        config.families[0].instance_path(13).as_deref(),
        Some("climate/13/reading")
    );
    let ws = WsConnector::start(config).expect("ws connector");
    tokio::spawn(overview::run(overview::Links { mqtt, ws }));
    // Each zone's liveness, as the overview's MQTT connector hears it, to the page.
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_millis(200));
        loop {
            ticker.tick().await;
            for topic in overview::OBSERVED_LIVENESS {
                let node = aimdb::address::mqtt::liveness_node(topic).unwrap_or(topic);
                ws.set_node_online(node, mqtt.node_online(topic));
            }
        }
    });
    assert_eq!(
        overview::OBSERVED_LIVENESS.len(),
        200,
        "every instance's liveness"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while mqtt.stats().subscribe_acks == 0 {
        assert!(Instant::now() < deadline, "the overview never subscribed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let exe = std::env::current_exe().unwrap();
    let mut fleet = Fleet(
        RUNNING
            .iter()
            .map(|name| {
                let child = Command::new(&exe)
                    .args([
                        "page_sensor_instance",
                        "--exact",
                        "--ignored",
                        "--nocapture",
                    ])
                    .env("FLEET_INSTANCE", name)
                    .env("FLEET_BROKER_PORT", broker.port.to_string())
                    .stdout(Stdio::null())
                    .spawn()
                    .expect("a sensor instance");
                (*name, child)
            })
            .collect(),
    );

    let mut browser = cdp::Browser::launch().await;
    let page = browser
        .open(&format!("{}?stale={STALE_MS}", ws.page_url()))
        .await;
    // Every running zone online with its own value; every other cell unknown.
    let expected = |state_of: &dyn Fn(&str) -> &'static str| -> Vec<(String, String, String)> {
        overview::READING_INSTANCES
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let state = state_of(name);
                let shown = if RUNNING.contains(name) {
                    let c = celsius_of(index);
                    if c.fract() == 0.0 {
                        format!("{c}")
                    } else {
                        format!("{c:.2}")
                    }
                } else {
                    "—".to_owned()
                };
                (name.to_string(), state.to_owned(), shown)
            })
            .collect()
    };
    let all_up = expected(&|name| {
        if RUNNING.contains(&name) {
            "online"
        } else {
            "unknown"
        }
    });
    let started = Instant::now();
    let mut shown = Vec::new();
    while shown != all_up {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the grid never showed every running zone online: {:?}",
            shown
                .iter()
                .filter(|(_, state, _): &&(String, String, String)| state != "unknown")
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        shown = cells(&browser.eval(&page, CELLS).await);
    }
    println!(
        "every running zone online in the grid after {:?}",
        started.elapsed()
    );

    // The join's summary: 4 zones heard, the warmest is zone 13.
    let summary = r#"(() => {
        const v = document.querySelector('article.record[data-key="climate/fleet/summary"] .value');
        return v ? v.dataset.json : null; })()"#;
    let summary = browser
        .wait_for(
            &page,
            &format!("(() => {{ const j = {summary}; return j && JSON.parse(j).zones === 4 ? j : null; }})()"),
            Duration::from_secs(10),
        )
        .await
        .expect("the summary card says 4 zones");
    let summary: Value = serde_json::from_str(summary.as_str().unwrap()).unwrap();
    assert_eq!(summary["warmest"], 13, "{summary}");
    assert_eq!(summary["celsius"], 23.25, "{summary}");

    // Pause one zone: still connected (its liveness says online), but silent, so its cell
    // turns stale after STALE_MS; resumed, it is online again.
    let grid_becomes = async |browser: &mut cdp::Browser,
                              want: &[(String, String, String)],
                              within: Duration,
                              what: &str|
           -> Duration {
        let since = Instant::now();
        loop {
            let shown = cells(&browser.eval(&page, CELLS).await);
            if shown == want {
                return since.elapsed();
            }
            assert!(
                since.elapsed() < within,
                "{what}: {:?}",
                shown
                    .iter()
                    .filter(|(_, s, _)| s != "unknown")
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    fleet.pause(PAUSED, true);
    let one_stale = expected(&|name| {
        if name == PAUSED {
            "stale"
        } else if RUNNING.contains(&name) {
            "online"
        } else {
            "unknown"
        }
    });
    let took = grid_becomes(
        &mut browser,
        &one_stale,
        Duration::from_millis(STALE_MS + 3000),
        "the paused zone never stale",
    )
    .await;
    println!("zone {PAUSED} stale in the grid {took:?} after its pause");
    assert!(
        took >= Duration::from_millis(STALE_MS - 200),
        "stale too soon: {took:?}"
    );
    fleet.pause(PAUSED, false);
    let took = grid_becomes(
        &mut browser,
        &all_up,
        Duration::from_secs(5),
        "the resumed zone never online again",
    )
    .await;
    println!("zone {PAUSED} online again {took:?} after it resumed");

    // Kill one zone: its last will says offline, and so does its cell.
    fleet.kill(KILLED);
    let killed = Instant::now();
    let one_down = expected(&|name| {
        if name == KILLED {
            "offline"
        } else if RUNNING.contains(&name) {
            "online"
        } else {
            "unknown"
        }
    });
    loop {
        shown = cells(&browser.eval(&page, CELLS).await);
        if shown == one_down {
            break;
        }
        assert!(
            killed.elapsed() < Duration::from_secs(5),
            "zone {KILLED} not offline within 5 s of its kill: {:?}",
            shown
                .iter()
                .filter(|(_, s, _)| s != "unknown")
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "zone {KILLED} offline in the grid {:?} after its kill",
        killed.elapsed()
    );
    let header = browser
        .eval(
            &page,
            "document.querySelector('.family .family-summary').textContent",
        )
        .await;
    assert_eq!(
        header.as_str(),
        Some("(200 instances: 3 online · 1 offline · 196 unknown)")
    );

    browser
        .eval(&page, "document.querySelector('.family').scrollIntoView()")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let shot = browser.screenshot(&page).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("fleet.png"), shot).unwrap();
}
