//! The operator console in a real browser (issue 18): `topologies/setpoint.toml`'s
//! `console_a`, a wasm node, runs in headless Chromium and owns
//! `setpoint/request/operator-a`; the `controller` runs here on tokio (its KNX links go to an
//! in-memory bus: `knx_setpoint` has the real one), the `autotuner` in QEMU. Checked:
//! - the page's form produces a request that reaches the controller's join, which
//!   arbitrates it with the autotuner's (an operator overrides the autotuner), and the
//!   applied setpoint comes back to the page through the console's tap;
//! - the browser can write only what its node owns: with the console's login, a publish to
//!   operator B's request is dropped by the broker (the ACL `aimdb acl` writes), and never
//!   reaches the join.
//!
//! A screenshot is kept at `target/browser/operator-console.png`.

#[path = "../../aimdb-connectors/tests/support/broker.rs"]
mod broker;
#[path = "browser_support/cdp.rs"]
mod cdp;
#[path = "browser_support/node_page.rs"]
mod node_page;

use std::sync::Mutex;
use std::time::Duration;

use aimdb::connectors::loopback::LoopbackBus;
use aimdb::connectors::mqtt::{MqttConfig, MqttConnector};
use aimdb::{Consumer, Producer};
use aimdb_tests::qemu::{Firmware, Qemu};
use climate_model::{Arbiter, Origin, RoomTemperature, SetpointApplied, SetpointRequest};
use node_page::{build_bundle, connected, screenshot, serve_page};

const TOPOLOGY: &str = include_str!("../../topologies/setpoint.toml");

aimdb::topology!(file = "../topologies/setpoint.toml", node = "controller");

/// The requests the join saw, and who made them.
static ARRIVED: Mutex<Vec<(Origin, i32)>> = Mutex::new(Vec::new());

/// The controller's join handler: the system's rule (`climate_model::Arbiter`).
async fn arbitrate(mut rx: controller::AppliedRx, producer: Producer<'static, SetpointApplied>) {
    let mut arbiter = Arbiter::new();
    while let Ok(trigger) = rx.recv().await {
        let (Some(origin), Some(request)) = (
            Origin::of_input(trigger.index()),
            trigger.as_input::<SetpointRequest>().copied(),
        ) else {
            continue;
        };
        ARRIVED.lock().unwrap().push((origin, request.tenths));
        if let Some(applied) = arbiter.decide(origin, request) {
            producer.produce(applied).await;
        }
    }
}

async fn apply_setpoint(mut consumer: Consumer<'static, SetpointApplied>) {
    while consumer.recv().await.is_ok() {}
}

async fn observe_room_temperature(mut consumer: Consumer<'static, RoomTemperature>) {
    while consumer.recv().await.is_ok() {}
}

/// The applied setpoints the page's console saw: `(tenths, origin)`.
async fn applied_in_page(browser: &mut cdp::Browser, page: &cdp::Page) -> Vec<(i64, String)> {
    let value = browser.eval(page, "window.__aimdbNode.applied").await;
    value
        .as_array()
        .expect("applied")
        .iter()
        .map(|a| (a[0].as_i64().unwrap(), a[1].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_operator_is_arbitrated_with_the_autotuner_in_qemu() {
    let bundle = build_bundle();
    let elf = Firmware::build("setpoint-autotuner").expect("the autotuner firmware");
    let broker = node_page::broker(TOPOLOGY, "topologies/setpoint.toml");
    let ws_port = broker.ws_port.unwrap();

    // The controller, subscribed before anyone asks.
    let mut config = MqttConfig::new("127.0.0.1", broker.port, "controller");
    config.credentials = Some(("controller".into(), broker.password("controller").into()));
    let mqtt = MqttConnector::start(config).expect("valid config");
    static KNX: LoopbackBus<2> = LoopbackBus::new();
    tokio::spawn(controller::run(controller::Links { mqtt, knx: &KNX }));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while mqtt.stats().subscribe_acks < 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "controller not subscribed"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // The autotuner asks first, on its own clock.
    let addr = ([127, 0, 0, 1], broker.port).into();
    let cmdline = format!("mqtt-credentials={}", broker.credentials_file().display());
    let mut qemu =
        Qemu::boot_serial_with_cmdline(&elf, addr, "", &cmdline).expect("QEMU boots the autotuner");

    let server = serve_page(bundle, TOPOLOGY, "setpoint · console A");
    let url = format!(
        "{}#node=console_a&broker=ws://127.0.0.1:{ws_port}&user=console_a&password={}",
        server.page_url(),
        broker.password("console_a")
    );
    let mut browser = cdp::Browser::launch().await;
    let page = browser.open(&url).await;
    connected(&mut browser, &page, Duration::from_secs(20)).await;
    // The autotuner's first setpoint comes back to the page.
    let autotuned = "window.__aimdbNode.applied.some(a => a[1] === 'autotuner')";
    assert!(
        browser
            .wait_for(&page, autotuned, Duration::from_secs(30))
            .await
            .is_some(),
        "no autotuner setpoint reached the page; the join saw {:?}; QEMU said:\n{}",
        ARRIVED.lock().unwrap(),
        qemu.output()
    );

    // The operator's form: 23.5 °C.
    let form = r#"(() => {
        const card = document.querySelector('article.record[data-key="setpoint/request/operator-a"]');
        card.querySelector('input').value = '23.5';
        card.querySelector('form').requestSubmit();
        return card.querySelector('.reply').textContent;
    })()"#;
    let reply = browser.eval(&page, form).await;
    assert_eq!(reply, "requested 23.5 °C");
    let back = "window.__aimdbNode.applied.some(a => a[0] === 235 && a[1] === 'operator-a')";
    assert!(
        browser
            .wait_for(&page, back, Duration::from_secs(15))
            .await
            .is_some(),
        "the operator's setpoint did not come back: page saw {:?}, join saw {:?}",
        applied_in_page(&mut browser, &page).await,
        ARRIVED.lock().unwrap()
    );
    assert!(
        ARRIVED.lock().unwrap().contains(&(Origin::OperatorA, 235)),
        "the join never saw the operator's request"
    );
    let shown = browser
        .eval(
            &page,
            r#"document.querySelector('article.record[data-key="setpoint/applied"] .value')?.dataset.json"#,
        )
        .await;
    println!(
        "console A: page saw applied {:?}; join saw {:?}; card shows {shown}",
        applied_in_page(&mut browser, &page).await,
        ARRIVED.lock().unwrap()
    );
    screenshot(&mut browser, &page, "operator-console.png").await;

    // The console's login writes only what console_a owns: a publish to operator B's
    // request is dropped by the broker (it also takes over the session: one id per user).
    let mut options = rumqttc::MqttOptions::new("console_a", "127.0.0.1", broker.port);
    options.set_credentials("console_a", broker.password("console_a"));
    let (client, mut events) = rumqttc::AsyncClient::new(options, 16);
    let driver = tokio::spawn(async move { while events.poll().await.is_ok() {} });
    let mut out = [0u8; 32];
    let n = aimdb::contract::encode::<aimdb::codec::Postcard, _>(
        &SetpointRequest { tenths: 199 },
        &mut out,
    )
    .unwrap();
    client
        .publish(
            "setpoint/request/operator-b",
            rumqttc::QoS::AtLeastOnce,
            false,
            out[..n].to_vec(),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    driver.abort();
    assert!(
        !ARRIVED
            .lock()
            .unwrap()
            .iter()
            .any(|(origin, _)| *origin == Origin::OperatorB),
        "a browser's login wrote another node's request: {:?}",
        ARRIVED.lock().unwrap()
    );
    qemu.kill();
}
