//! The setpoint system end to end, every node generated from `topologies/setpoint.toml`:
//! the `autotuner` node is firmware (`firmware/setpoint-autotuner`) in QEMU, publishing its
//! requests over MQTT straight from UART0 to a private mosquitto; the two operator
//! consoles (`console_a`, `console_b`) and the `controller` run here, in-process. Console A
//! is a browser node in the file (`runtime = "wasm"`; `browser_node.rs` runs it in Chromium):
//! here its generated code, which is an embassy node's, runs on embassy's std executor in a
//! thread of its own, and also shows that the applied setpoint comes back to it over MQTT. The controller's join (`arbitrate`) applies the rule of
//! `climate_model::Arbiter`; its tap (`apply_setpoint`) records what was applied.
//!
//! The script (`climate_model::setpoint::SCRIPT`): the autotuner asks twice, on its own
//! clock; the consoles then play their lines one at a time, each once every earlier line
//! was decided by the controller; the autotuner's late requests arrive seconds after and
//! must be ignored. Checked: the controller saw the requests in exactly the scripted order,
//! and the tap saw exactly the setpoints the rule gives for it (also written out by hand).
//!
//! The controller also links KNX (the valve actuator's setpoint, the wall sensor's room
//! temperature). There is no KNX installation here: its KNX connector is pointed at a UDP
//! port on 127.0.0.1 that never answers, and is checked to keep retrying in the background
//! (CONNECT_REQUESTs arriving there, connection errors counted, the applied setpoints
//! queued) without holding up anything else. `knx_setpoint` runs it against knxd.
//!
//! The broker enforces the topology: `allow_anonymous false`, the ACL the compiler writes
//! for `topologies/setpoint.toml` and a random password per node, so each node here has its
//! own connector logged in as itself (a console may write only its own request), and the
//! firmware reads its login at boot from the file QEMU's `-append` names.
//!
//! Needs `qemu-system-arm`, the `thumbv7em-none-eabihf` target and mosquitto.

#[path = "../../aimdb-connectors/tests/support/broker.rs"]
mod broker;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aimdb::{Consumer, Producer};
use aimdb_connectors::knx::{KnxConfig, KnxConnector};
use aimdb_connectors::mqtt::{MqttConfig, MqttConnector};
use aimdb_core::mutex::StdRawMutex;
use aimdb_tests::qemu::{Firmware, Qemu, QemuError};
use climate_model::setpoint::{SCRIPT, expected_applied};
use climate_model::{Arbiter, Origin, RoomTemperature, SetpointApplied, SetpointRequest};

aimdb::topology!(file = "../topologies/setpoint.toml", node = "console_a");
aimdb::topology!(file = "../topologies/setpoint.toml", node = "console_b");
aimdb::topology!(file = "../topologies/setpoint.toml", node = "controller");

const WAIT: Duration = Duration::from_secs(30);

/// The requests in the order the controller's join saw them.
static ARRIVED: Mutex<Vec<(Origin, i32)>> = Mutex::new(Vec::new());
/// What the tap on `applied` saw.
static APPLIED_SEEN: Mutex<Vec<SetpointApplied>> = Mutex::new(Vec::new());
/// How many requests the join decided, and how many of them applied a setpoint.
static DECIDED: AtomicUsize = AtomicUsize::new(0);
static APPLIED: AtomicUsize = AtomicUsize::new(0);

/// The controller's join handler named in the topology file: decide each request by the
/// rule, produce what it applies.
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
            APPLIED.fetch_add(1, Ordering::SeqCst);
            producer.produce(applied).await;
        }
        DECIDED.fetch_add(1, Ordering::SeqCst);
    }
}

/// The controller's tap.
async fn apply_setpoint(mut consumer: Consumer<'static, SetpointApplied>) {
    while let Ok(applied) = consumer.recv().await {
        APPLIED_SEEN.lock().unwrap().push(applied);
    }
}

/// The controller's tap on the KNX wall sensor's room temperature (no KNX here: nothing
/// may arrive).
static ROOM_SEEN: Mutex<Vec<RoomTemperature>> = Mutex::new(Vec::new());

async fn observe_room_temperature(mut consumer: Consumer<'static, RoomTemperature>) {
    while let Ok(room) = consumer.recv().await {
        ROOM_SEEN.lock().unwrap().push(room);
    }
}

/// What console A's tap (`show_applied`) saw come back from the controller.
static AT_CONSOLE_A: Mutex<Vec<SetpointApplied>> = Mutex::new(Vec::new());

async fn show_applied(mut consumer: Consumer<'static, SetpointApplied>) {
    while let Ok(applied) = consumer.recv().await {
        AT_CONSOLE_A.lock().unwrap().push(applied);
    }
}

/// Play `origin`'s lines of the script: each once every earlier line was decided and the
/// tap saw every setpoint applied so far.
async fn play(origin: Origin, producer: Producer<'static, SetpointRequest>) {
    for (step, (who, tenths)) in SCRIPT.into_iter().enumerate() {
        if who != origin {
            continue;
        }
        let deadline = Instant::now() + WAIT;
        while !(DECIDED.load(Ordering::SeqCst) == step
            && APPLIED_SEEN.lock().unwrap().len() == APPLIED.load(Ordering::SeqCst))
        {
            assert!(
                Instant::now() < deadline,
                "{origin:?} never got turn {step}; the controller saw {:?}",
                ARRIVED.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        producer.produce(SetpointRequest { tenths }).await;
    }
}

/// Console A's source named in the topology file.
async fn operator_a_requests(producer: Producer<'static, SetpointRequest>) {
    play(Origin::OperatorA, producer).await;
}

/// Console B's source.
async fn operator_b_requests(producer: Producer<'static, SetpointRequest>) {
    play(Origin::OperatorB, producer).await;
}

/// A broker enforcing `topologies/setpoint.toml`: its generated ACL, one login per node.
fn secured_broker() -> broker::Broker {
    let source = include_str!("../../topologies/setpoint.toml");
    let system = aimdb_compiler::check_file(source)
        .0
        .expect("the setpoint topology");
    let acl = aimdb_compiler::report::acl::render(&system, "topologies/setpoint.toml")
        .expect("an ACL for the setpoint topology");
    let users: Vec<&str> = system.nodes.iter().map(|node| node.name()).collect();
    broker::Broker::start_secured(&acl, &users)
}

#[test]
fn autotuner_in_qemu_and_operators_on_the_host_are_arbitrated_by_the_rule() -> Result<(), QemuError>
{
    let elf = Firmware::build("setpoint-autotuner")?;
    let broker = secured_broker();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| QemuError::Io(format!("tokio: {e}")))?;
    // One connector per node, each logged in as that node.
    let connector = |node: &str| {
        runtime.block_on(async {
            let mut config = MqttConfig::new("127.0.0.1", broker.port, node);
            config.credentials = Some((node.into(), broker.password(node).into()));
            MqttConnector::start(config).expect("valid config")
        })
    };
    let mqtt = connector("controller");
    // No KNX server: a UDP port that never answers. The connector retries in the
    // background (connect timeout 1 s, then backoff from 100 ms).
    let silent_knx =
        std::net::UdpSocket::bind("127.0.0.1:0").map_err(|e| QemuError::Io(format!("udp: {e}")))?;
    let knx_server = silent_knx
        .local_addr()
        .map_err(|e| QemuError::Io(format!("udp: {e}")))?;
    let knx_config = KnxConfig {
        connect_timeout: Duration::from_secs(1),
        ..KnxConfig::new()
    };
    let knx = {
        let _runtime = runtime.enter();
        KnxConnector::<StdRawMutex, 16, 4>::start(knx_config, knx_server)
            .map_err(|e| QemuError::Io(format!("knx: {e}")))?
    };
    // The controller first, so it is subscribed before anything is asked.
    runtime.spawn(controller::run(controller::Links { mqtt, knx }));
    let ready = Instant::now();
    // One SUBSCRIBE carries all three topics.
    while mqtt.stats().subscribe_acks < 1 {
        assert!(
            ready.elapsed() < WAIT,
            "controller not subscribed: {:?}",
            mqtt.stats()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let (console_a_mqtt, console_b_mqtt) = (connector("console_a"), connector("console_b"));
    // Console A's generated code is an embassy node's (its runtime is wasm): an embassy
    // executor of its own, in a thread that knows the tokio runtime (the script's waits).
    let tokio_handle = runtime.handle().clone();
    std::thread::spawn(move || {
        let _tokio = tokio_handle.enter();
        let executor: &'static mut embassy_executor::Executor =
            Box::leak(Box::new(embassy_executor::Executor::new()));
        executor.run(|spawner| {
            console_a::spawn(
                spawner,
                console_a::Links {
                    mqtt: console_a_mqtt,
                },
            )
        })
    });
    runtime.spawn(console_b::run(console_b::Links {
        mqtt: console_b_mqtt,
    }));

    let addr = ([127, 0, 0, 1], broker.port).into();
    let cmdline = format!("mqtt-credentials={}", broker.credentials_file().display());
    let mut qemu = Qemu::boot_serial_with_cmdline(&elf, addr, "", &cmdline)?;
    let deadline = Instant::now() + WAIT;
    while DECIDED.load(Ordering::SeqCst) < SCRIPT.len()
        || APPLIED_SEEN.lock().unwrap().len() < APPLIED.load(Ordering::SeqCst)
    {
        assert!(
            Instant::now() < deadline,
            "the script did not finish; the controller saw {:?}; QEMU said:\n{}",
            ARRIVED.lock().unwrap(),
            qemu.output()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = qemu.booted_at().elapsed();
    // Anything decided or applied late would show up here.
    std::thread::sleep(Duration::from_millis(300));

    let arrived = ARRIVED.lock().unwrap().clone();
    assert_eq!(
        arrived, SCRIPT,
        "the controller saw the requests out of the scripted order"
    );
    let mut expected = [None; SCRIPT.len()];
    let count = expected_applied(&mut expected);
    let expected: Vec<SetpointApplied> = expected[..count].iter().flatten().copied().collect();
    let seen = APPLIED_SEEN.lock().unwrap().clone();
    assert_eq!(seen, expected, "applied setpoints differ from the rule's");
    // The same, written out: who wins and what is clamped.
    let by_hand = [
        (210, Origin::Autotuner),
        (220, Origin::Autotuner),
        (250, Origin::OperatorA),
        (300, Origin::OperatorB),
        (150, Origin::OperatorA),
        (260, Origin::OperatorB),
    ];
    let seen_pairs: Vec<(i32, Origin)> = seen.iter().map(|a| (a.tenths, a.origin)).collect();
    assert_eq!(seen_pairs, by_hand);
    // The applied setpoints came back to console A (the controller publishes them over
    // MQTT; console A keeps the latest): in order, ending with the last one applied.
    let back_deadline = Instant::now() + WAIT;
    while AT_CONSOLE_A.lock().unwrap().last() != seen.last() {
        assert!(
            Instant::now() < back_deadline,
            "console A saw {:?}, the controller applied {seen:?}",
            AT_CONSOLE_A.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let back = AT_CONSOLE_A.lock().unwrap().clone();
    let mut rest = seen.iter();
    assert!(
        back.iter().all(|a| rest.any(|s| s == a)),
        "console A saw {back:?}, not a subsequence of {seen:?}"
    );

    let link = mqtt
        .link_stats("setpoint/request/autotuner")
        .expect("the controller's autotuner link");
    assert_eq!((link.received, link.decode_errors), (4, 0), "{link:?}");
    let output = qemu.output();
    assert!(
        output.contains("all 4 requests sent"),
        "QEMU said:\n{output}"
    );
    assert!(
        output.contains("MQTT login: user `autotuner` (password from "),
        "QEMU said:\n{output}"
    );
    // Each console's requests went out under its own login, none refused by the ACL.
    for (node, origin, mqtt, topic) in [
        (
            "console_a",
            Origin::OperatorA,
            console_a_mqtt,
            "setpoint/request/operator-a",
        ),
        (
            "console_b",
            Origin::OperatorB,
            console_b_mqtt,
            "setpoint/request/operator-b",
        ),
    ] {
        let stats = mqtt.stats();
        assert!(stats.connected && stats.connects >= 1, "{node}: {stats:?}");
        let link = mqtt.link_stats(topic).expect("the console's outbound link");
        let lines = SCRIPT.iter().filter(|(who, _)| *who == origin).count();
        assert_eq!(
            (link.sent, link.dropped),
            (lines as u64, 0),
            "{node}: {link:?}"
        );
    }
    // The KNX connector never reached a server and never held anything up: it kept
    // asking (every datagram a CONNECT_REQUEST), counted each failure, and queued the
    // applied setpoints for the valve actuator.
    let knx_stats = knx.stats();
    assert!(!knx_stats.connected, "{knx_stats:?}");
    assert!(knx_stats.connection_errors >= 2, "{knx_stats:?}");
    assert!(
        (1..=6).contains(&knx_stats.queued),
        "applied setpoints wait for the tunnel: {knx_stats:?}"
    );
    let valve = knx.link_stats("1/1/1").expect("the valve actuator's link");
    assert_eq!((valve.sent, valve.encode_errors), (0, 0), "{valve:?}");
    silent_knx
        .set_nonblocking(true)
        .map_err(|e| QemuError::Io(format!("udp: {e}")))?;
    let mut connects = 0;
    let mut datagram = [0u8; 64];
    while let Ok(n) = silent_knx.recv(&mut datagram) {
        assert_eq!(
            datagram[..4.min(n)],
            [0x06, 0x10, 0x02, 0x05],
            "a KNXnet/IP CONNECT_REQUEST"
        );
        connects += 1;
    }
    assert!(
        connects >= 2,
        "the KNX connector kept retrying: {connects} CONNECT_REQUESTs"
    );
    assert!(ROOM_SEEN.lock().unwrap().is_empty(), "no KNX bus here");
    println!(
        "e2e setpoint: {} requests (4 from the autotuner in QEMU, 6 from the host consoles) \
         decided in the scripted order; applied {:?}; script done {took:?} after QEMU started; \
         KNX (no server) retried {connects} times in the background, {} setpoints queued",
        arrived.len(),
        seen_pairs,
        knx_stats.queued
    );
    qemu.kill();
    runtime.shutdown_background();
    Ok(())
}
