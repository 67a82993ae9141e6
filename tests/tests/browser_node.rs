//! The browser is a node (issue 18): `topologies/climate.toml`'s `browser` node, built for
//! wasm32 by `scripts/build-browser.sh` (run here, so the bundle matches the sources) and
//! served with the dashboard page by the ws connector as the demo serves it, runs in
//! headless Chromium. It logs in to a private mosquitto (the ACL `aimdb acl` writes for the
//! file, one login per node) over MQTT over WebSocket, and the test checks, through the
//! page's hook `window.__aimdbNode` and its DOM:
//! - the readings the climate sensor publishes from QEMU arrive in order and bit-exact
//!   (seq, and `celsius` equal to the sensor's `sample(seq)` to the bit), at least 100;
//! - a broker restart (SIGKILL, start again) makes the node reconnect and subscribe again
//!   by itself, and readings flow again;
//! - 10,000 readings published in a burst all reach the node's link, with no heap allocation
//!   per reading in the wasm module (a counting allocator); the page measures the time per
//!   message with `performance.now()`.
//!
//! Figures are printed (`--nocapture`): page load to first reading, per-message cost, bundle
//! size. A screenshot is kept at `target/browser/browser-node.png`.

#[path = "../../aimdb-connectors/tests/support/broker.rs"]
mod broker;
#[path = "browser_support/cdp.rs"]
mod cdp;
#[path = "browser_support/node_page.rs"]
mod node_page;

use std::time::Duration;

use aimdb::codec::Postcard;
use aimdb::contract;
use aimdb_tests::qemu::{Firmware, Qemu};
use climate_model::Temperature;
use climate_model::reading::sample;
use node_page::{build_bundle, screenshot, serve_page, stats};
use serde_json::Value;

const TOPOLOGY: &str = include_str!("../../topologies/climate.toml");
const READING: &str = "climate/zone-a/reading";

/// The readings the page's node delivered: `[seq, celsius, taken_us, at_ms]`.
async fn readings(browser: &mut cdp::Browser, page: &cdp::Page) -> Vec<(u32, f64, f64, f64)> {
    let value = browser.eval(page, "window.__aimdbNode.readings").await;
    value
        .as_array()
        .expect("readings")
        .iter()
        .map(|r| {
            let n = |i: usize| r[i].as_f64().expect("a number");
            (n(0) as u32, n(1), n(2), n(3))
        })
        .collect()
}

/// Every reading in order (seq strictly rising) and exactly the sensor's value.
fn check_exact(readings: &[(u32, f64, f64, f64)]) -> u32 {
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
    for &(seq, celsius, _, _) in readings {
        let sent = sample(seq);
        assert_eq!(
            (celsius as f32).to_bits(),
            sent.to_bits(),
            "reading #{seq}: the page got {celsius}, the sensor sent {sent}"
        );
        assert_eq!(celsius, f64::from(sent), "#{seq} was not widened exactly");
    }
    gaps
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_node_reads_the_qemu_sensor_over_mqtt_over_websocket() {
    let bundle = build_bundle();
    let wasm = std::fs::metadata(bundle.join("climate_browser_bg.wasm"))
        .expect("the bundle's .wasm")
        .len();
    let elf = Firmware::build("climate-sensor").expect("the sensor firmware");
    let mut broker = node_page::broker(TOPOLOGY, "topologies/climate.toml");
    let ws_port = broker.ws_port.expect("a websockets listener");

    // The sensor first, so the page's first reading measures the page, not QEMU's boot.
    let addr = ([127, 0, 0, 1], broker.port).into();
    let cmdline = format!("mqtt-credentials={}", broker.credentials_file().display());
    let mut qemu = Qemu::boot_serial_with_cmdline(&elf, addr, ",reconnect=1", &cmdline)
        .expect("QEMU boots the sensor");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !qemu.output().contains("broker up") {
        assert!(
            std::time::Instant::now() < deadline,
            "the sensor never reached the broker:\n{}",
            qemu.output()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let server = serve_page(bundle, TOPOLOGY, "climate · browser");
    let url = format!(
        "{}#broker=ws://127.0.0.1:{ws_port}&user=browser&password={}",
        server.page_url(),
        broker.password("browser")
    );
    let mut browser = cdp::Browser::launch().await;
    let page = browser.open(&url).await;

    // At least 100 readings, in order, bit-exact.
    let enough = "window.__aimdbNode && window.__aimdbNode.readings.length >= 150";
    let arrived = browser
        .wait_for(&page, enough, Duration::from_secs(40))
        .await;
    if arrived.is_none() {
        let hook = browser
            .eval(&page, "JSON.stringify({e: window.__aimdbNode?.error, s: window.__aimdbNode?.stats(), n: window.__aimdbNode?.readings.length, status: document.getElementById('status').textContent})")
            .await;
        panic!("the page got fewer than 150 readings: {hook}");
    }
    let first = readings(&mut browser, &page).await;
    let gaps = check_exact(&first);
    let timing = browser
        .eval(
            &page,
            "[window.__aimdbNode.ready, window.__aimdbNode.firstReading]",
        )
        .await;
    let (ready, first_at) = (timing[0].as_f64().unwrap(), timing[1].as_f64().unwrap());
    println!(
        "browser node: {} readings #{}..#{} in order, bit-exact, {gaps} skipped by SingleLatest; \
         page load -> wasm ready {ready:.0} ms, -> first reading {first_at:.0} ms; bundle {wasm} B",
        first.len(),
        first[0].0,
        first[first.len() - 1].0
    );
    assert!(first.len() >= 100);

    // The page shows it: the reading's card, from the node's tap.
    let shown = browser
        .wait_for(
            &page,
            &format!(
                r#"document.querySelector('article.record[data-key="{READING}"] .value')?.dataset.json"#
            ),
            Duration::from_secs(5),
        )
        .await
        .expect("the reading's card shows a value");
    let shown: Value = serde_json::from_str(shown.as_str().unwrap()).unwrap();
    let seq = shown["seq"].as_u64().unwrap() as u32;
    assert_eq!(shown["celsius"].as_f64(), Some(f64::from(sample(seq))));
    let status = browser
        .eval(&page, "document.getElementById('status').dataset.state")
        .await;
    assert_eq!(status, "connected");

    // A broker restart: the node notices, reconnects and subscribes again by itself.
    let before = stats(&mut browser, &page).await;
    broker.kill();
    let down = "window.__aimdbNode.stats()[0] === 0";
    assert!(
        browser
            .wait_for(&page, down, Duration::from_secs(15))
            .await
            .is_some(),
        "the node did not notice the broker going away"
    );
    broker.restart();
    let last_seq = readings(&mut browser, &page).await.last().unwrap().0;
    let again = format!(
        "window.__aimdbNode.stats()[0] === 1 && window.__aimdbNode.readings.at(-1)[0] > {} ",
        last_seq + 20
    );
    assert!(
        browser
            .wait_for(&page, &again, Duration::from_secs(30))
            .await
            .is_some(),
        "no readings after the broker restart: {:?}",
        stats(&mut browser, &page).await
    );
    let after = stats(&mut browser, &page).await;
    assert!(
        after[2] > before[2],
        "no reconnect counted: {before:?} -> {after:?}"
    );
    check_exact(&readings(&mut browser, &page).await);
    println!("broker restart: node reconnected ({before:?} -> {after:?})");

    screenshot(&mut browser, &page, "browser-node.png").await;

    // 10,000 readings in a burst, as the sensor's login (the sensor is stopped first: one
    // session per login). The page times them with performance.now().
    qemu.kill();
    burst(&mut browser, &page, &broker).await;
}

/// Publish 10,000 readings (seq from 1,000,000) and measure their cost in the page. At QoS 0,
/// so the broker pushes them as fast as the page takes them (no acknowledgement round trip
/// per message bounds the rate): the page's time per message is its own cost.
async fn burst(browser: &mut cdp::Browser, page: &cdp::Page, broker: &broker::Broker) {
    const N: u32 = 10_000;
    const FROM: u32 = 1_000_000;
    let received_before = stats(browser, page).await[3];
    let allocations = "window.__aimdbNode.allocations()";
    let allocated_before = browser.eval(page, allocations).await.as_f64().unwrap();
    let mut options = rumqttc::MqttOptions::new("sensor", "127.0.0.1", broker.port);
    options.set_credentials("sensor", broker.password("sensor"));
    options.set_keep_alive(Duration::from_secs(5));
    let (client, mut events) = rumqttc::AsyncClient::new(options, 1024);
    let driver = tokio::spawn(async move { while events.poll().await.is_ok() {} });
    for seq in FROM..FROM + N {
        let reading = Temperature {
            seq,
            celsius: sample(seq),
            taken_us: u64::from(seq),
        };
        let mut out = [0u8; 64];
        let n = contract::encode::<Postcard, _>(&reading, &mut out).unwrap();
        client
            .publish(READING, rumqttc::QoS::AtMostOnce, false, out[..n].to_vec())
            .await
            .unwrap();
    }
    let all = format!(
        "window.__aimdbNode.stats()[3] >= {}",
        received_before + f64::from(N)
    );
    let done = browser.wait_for(page, &all, Duration::from_secs(120)).await;
    let after = stats(browser, page).await;
    let allocated = browser.eval(page, allocations).await.as_f64().unwrap() - allocated_before;
    driver.abort();
    assert!(
        done.is_some(),
        "the node's link received {} of {N}",
        after[3] - received_before
    );
    let burst: Vec<_> = readings(browser, page)
        .await
        .into_iter()
        .filter(|r| r.0 >= FROM)
        .collect();
    check_exact(&burst);
    let span = burst.last().unwrap().3 - burst[0].3;
    println!(
        "burst: {N} readings through the node's link, {} through its SingleLatest to the tap, \
         {span:.0} ms in the page: {:.1} us per message (decode errors {}, schema mismatch {})",
        burst.len(),
        span * 1000.0 / f64::from(N),
        after[4],
        after[5]
    );
    assert_eq!((after[4], after[5]), (0.0, 0.0));
    // Nothing per message on the module's heap: the few allocations are the page polling
    // the counters (`link_stats` returns a Vec) while it waited.
    println!("burst: {allocated} heap allocations in the wasm module for {N} readings");
    assert!(
        allocated < 200.0,
        "{allocated} allocations for {N} readings: something allocates per message"
    );
}
