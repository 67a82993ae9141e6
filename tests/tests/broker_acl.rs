//! On the wire, the broker enforces the topology (issue 14): a real mosquitto with the ACL
//! the compiler writes for the topology (`aimdb_compiler::report::acl`, what `aimdb acl`
//! prints), `allow_anonymous false`, one random password per node and
//! `use_username_as_clientid true`.
//!
//! Climate (`topologies/climate.toml`): the sensor is the generated `sensor` node built for
//! the host (`climate-host --bin sensor-host`, the embassy MQTT connector, its login from
//! `AIMDB_MQTT_PASSWORD`), the dashboard the generated `dashboard` node, in-process, with
//! the file's `render_chart` tap below. Then the attacks of the issue:
//! - an anonymous client (MQTT 5 and 3.1.1) is refused at CONNECT, so its forged readings
//!   never reach the broker;
//! - a client logged in as `dashboard` (asking for the client id `sensor`) publishes forged
//!   readings (the next sequence numbers at 99 °C, half of them retained) to
//!   `climate/zone-a/reading`: every PUBACK is 0x87 Not authorized;
//! - a client with the sensor's client id and user name and a wrong password is refused,
//!   and the sensor never reconnects (its status lines count reconnects: 0 to the end);
//! - a client logged in as `dashboard` subscribing to what the dashboard does not observe
//!   (`$SYS/#`, which the broker publishes and retains every second, and
//!   `climate/zone-b/reading`) receives nothing, while on the same session it receives the
//!   sensor's readings it does observe;
//! - the dashboard's tap sees only the sensor's values (each bit-exact the simulated
//!   sensor's value for its sequence number), sequence numbers strictly increasing, and
//!   afterwards a fresh subscriber gets no retained reading.
//!
//! Setpoint (`topologies/setpoint.toml`): `console_b` subscribing to `console_a`'s request
//! topic receives nothing while `console_a` publishes there and the `controller` (which
//! observes it) receives every request; `console_b` publishing there is refused (0x87).
//!
//! Printed: the rogue publishes attempted and how many reached the tap.
//! Needs mosquitto (and mosquitto_passwd).

#[path = "../../aimdb-connectors/tests/support/broker.rs"]
mod broker;
mod cli_support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use aimdb::Consumer;
use aimdb_connectors::mqtt::{MqttConfig, MqttConnector};
use climate_model::{Temperature, sample};
use rumqttc::v5::mqttbytes::QoS;
use rumqttc::v5::mqttbytes::v5::{ConnectReturnCode, Packet, PubAckReason};
use rumqttc::v5::{AsyncClient, ConnectionError, Event, MqttOptions};

aimdb::topology!(file = "../topologies/climate.toml", node = "dashboard");

const READING: &str = "climate/zone-a/reading";
const WAIT: Duration = Duration::from_secs(20);
/// Forged readings the rogue logged in as `dashboard` publishes.
const FORGED: u32 = 20;
/// The forged temperature.
const FORGED_CELSIUS: f32 = 99.0;

/// Every reading the dashboard's tap got.
static SEEN: Mutex<Vec<Temperature>> = Mutex::new(Vec::new());

/// The tap named in the topology file.
async fn render_chart(mut consumer: Consumer<'static, Temperature>) {
    while let Ok(reading) = consumer.recv().await {
        SEEN.lock().unwrap().push(reading);
    }
}

fn seen() -> Vec<Temperature> {
    SEEN.lock().unwrap().clone()
}

/// A broker enforcing `file` (a topology under `topologies/`): its generated ACL and one
/// login per node.
fn secured_broker(file: &str, source: &str) -> broker::Broker {
    let system = aimdb_compiler::check_file(source)
        .0
        .expect("a topology file");
    let acl = aimdb_compiler::report::acl::render(&system, file).expect("an ACL");
    let users: Vec<&str> = system.nodes.iter().map(|node| node.name()).collect();
    broker::Broker::start_secured(&acl, &users)
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// What one test client's session saw.
#[derive(Debug, Default)]
struct Log {
    /// `(topic, payload, retain)` of every PUBLISH delivered to it.
    received: Vec<(String, Vec<u8>, bool)>,
    /// The reason code of every PUBACK.
    pubacks: Vec<PubAckReason>,
    /// SUBACKs.
    subacks: usize,
    /// Why the session ended (the client does not reconnect).
    ended: Option<String>,
}

/// A test client: MQTT 5 (rumqttc's v5), connected, its event loop polled by a task until
/// the session ends.
struct Session {
    client: AsyncClient,
    log: Arc<Mutex<Log>>,
}

impl Session {
    /// Connect as `client_id` with `login`; `Err` with the CONNACK's reason when refused.
    async fn connect(
        port: u16,
        client_id: &str,
        login: Option<(&str, &str)>,
    ) -> Result<Session, ConnectReturnCode> {
        let mut options = MqttOptions::new(client_id, "127.0.0.1", port);
        options.set_keep_alive(Duration::from_secs(5));
        if let Some((user, password)) = login {
            options.set_credentials(user, password);
        }
        let (client, mut events) = AsyncClient::new(options, 64);
        loop {
            let event = tokio::time::timeout(WAIT, events.poll())
                .await
                .expect("an answer to CONNECT");
            match event {
                Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                    assert_eq!(ack.code, ConnectReturnCode::Success);
                    break;
                }
                Ok(_) => {}
                Err(ConnectionError::ConnectionRefused(code)) => return Err(code),
                Err(error) => panic!("connecting {client_id}: {error}"),
            }
        }
        let log = Arc::new(Mutex::new(Log::default()));
        let shared = Arc::clone(&log);
        tokio::spawn(async move {
            loop {
                let event = events.poll().await;
                let mut log = shared.lock().unwrap();
                match event {
                    Ok(Event::Incoming(Packet::Publish(p))) => log.received.push((
                        String::from_utf8_lossy(&p.topic).into_owned(),
                        p.payload.to_vec(),
                        p.retain,
                    )),
                    Ok(Event::Incoming(Packet::PubAck(ack))) => log.pubacks.push(ack.reason),
                    Ok(Event::Incoming(Packet::SubAck(_))) => log.subacks += 1,
                    Ok(Event::Incoming(Packet::Disconnect(d))) => {
                        log.ended = Some(format!("DISCONNECT {:?}", d.reason_code));
                    }
                    Ok(_) => {}
                    Err(error) => {
                        log.ended.get_or_insert_with(|| error.to_string());
                        break;
                    }
                }
            }
        });
        Ok(Session { client, log })
    }

    /// Subscribe to `filters` and wait for the SUBACKs.
    async fn subscribe(&self, filters: &[&str]) {
        let before = self.log.lock().unwrap().subacks;
        for filter in filters {
            self.client
                .subscribe(*filter, QoS::AtLeastOnce)
                .await
                .expect("subscribe");
        }
        let deadline = Instant::now() + WAIT;
        while self.log.lock().unwrap().subacks < before + filters.len() {
            assert!(Instant::now() < deadline, "no SUBACK");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Publish and wait (up to 5 s, or until the session ends) for the PUBACKs.
    async fn publish_all(&self, topic: &str, payloads: &[(Vec<u8>, bool)]) {
        for (payload, retain) in payloads {
            self.client
                .publish(topic, QoS::AtLeastOnce, *retain, payload.clone())
                .await
                .expect("publish");
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            {
                let log = self.log.lock().unwrap();
                if log.pubacks.len() >= payloads.len() || log.ended.is_some() {
                    return;
                }
            }
            if Instant::now() > deadline {
                return;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Deliveries on `topic` so far.
    fn received_on(&self, topic: &str) -> usize {
        let log = self.log.lock().unwrap();
        log.received.iter().filter(|(t, _, _)| t == topic).count()
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap()
    }
}

/// An MQTT 3.1.1 CONNECT (rumqttc's v4): the CONNACK's return code.
async fn connect_v311(
    port: u16,
    client_id: &str,
    login: Option<(&str, &str)>,
) -> rumqttc::ConnectReturnCode {
    let mut options = rumqttc::MqttOptions::new(client_id, "127.0.0.1", port);
    if let Some((user, password)) = login {
        options.set_credentials(user, password);
    }
    let (client, mut events) = rumqttc::AsyncClient::new(options, 8);
    // Queued before CONNECT: sent only if the broker lets the client in.
    let forged = forged_payload(1_000_000);
    let _ = client
        .publish(READING, rumqttc::QoS::AtLeastOnce, true, forged)
        .await;
    loop {
        match tokio::time::timeout(WAIT, events.poll())
            .await
            .expect("an answer to CONNECT")
        {
            Ok(rumqttc::Event::Incoming(rumqttc::Incoming::ConnAck(ack))) => return ack.code,
            Ok(_) => {}
            Err(rumqttc::ConnectionError::ConnectionRefused(code)) => return code,
            Err(error) => panic!("connecting {client_id} (3.1.1): {error}"),
        }
    }
}

/// A forged reading: sequence number `seq`, 99 °C, encoded exactly as the sensor's link
/// encodes (postcard with the contract header), so only the broker can keep it out.
fn forged_payload(seq: u32) -> Vec<u8> {
    let reading = Temperature {
        seq,
        celsius: FORGED_CELSIUS,
        taken_us: u64::from(seq) * 10_000,
    };
    let mut bytes = [0u8; 64];
    let len =
        aimdb::contract::encode::<aimdb::codec::Postcard, _>(&reading, &mut bytes).expect("encode");
    bytes[..len].to_vec()
}

/// The generated sensor node on the host (`climate-host --bin sensor-host`), its stdout
/// collected; killed when dropped.
struct SensorHost {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl SensorHost {
    /// The binary, built once into this test's target directory.
    fn binary() -> &'static PathBuf {
        static BINARY: OnceLock<PathBuf> = OnceLock::new();
        BINARY.get_or_init(|| {
            let target = cli_support::target_dir();
            let status = cli_support::cargo()
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "climate-host",
                    "--bin",
                    "sensor-host",
                ])
                .env("CARGO_TARGET_DIR", &target)
                .current_dir(cli_support::repo())
                .status()
                .expect("cargo runs");
            assert!(status.success(), "cargo build -p climate-host failed");
            target.join("debug").join("sensor-host")
        })
    }

    fn start(port: u16, password: &str) -> SensorHost {
        let mut child = Command::new(Self::binary())
            .args(["--broker", &format!("127.0.0.1:{port}")])
            .env("AIMDB_MQTT_USERNAME", "sensor")
            .env("AIMDB_MQTT_PASSWORD", password)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start sensor-host");
        let stdout = child.stdout.take().expect("piped stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        SensorHost { child, lines }
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Its status lines (`reading #N ... (R reconnects) broker up; ...`), in order.
    fn status_lines(&self) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|l| l.contains(" reconnects) "))
            .collect()
    }
}

impl Drop for SensorHost {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `R` of a status line's `(R reconnects)`.
fn reconnects(line: &str) -> u32 {
    let head = line.split_once(" reconnects)").expect("a status line").0;
    head.rsplit_once('(')
        .expect("(N")
        .1
        .parse()
        .expect("a count")
}

#[test]
fn the_broker_enforces_the_climate_topology_against_rogue_clients() {
    let broker = secured_broker(
        "topologies/climate.toml",
        include_str!("../../topologies/climate.toml"),
    );
    let port = broker.port;
    // Build before starting the broker's clock: the build may take a while.
    SensorHost::binary();
    let sensor = SensorHost::start(port, broker.password("sensor"));
    wait_until("the sensor's first status line", || {
        sensor
            .status_lines()
            .iter()
            .any(|l| l.contains("broker up"))
    });
    assert!(
        sensor.lines()[0].contains("login: user `sensor`"),
        "{:?}",
        sensor.lines()
    );

    let probes = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio");
    let dashboard_password = broker.password("dashboard").to_owned();
    let dashboard_login = Some(("dashboard", dashboard_password.as_str()));

    // 1. Before the dashboard node runs: a client logged in as `dashboard` receives what
    //    the dashboard observes, and nothing of what it does not.
    let (observed, unobserved_sys, unobserved_zone_b) = probes.block_on(async {
        let probe = Session::connect(port, "probe", dashboard_login)
            .await
            .expect("the dashboard's login is valid");
        probe
            .subscribe(&[READING, "$SYS/#", "climate/zone-b/reading"])
            .await;
        // $SYS is retained and republished every second: a reader would have it at once.
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        let observed = probe.received_on(READING);
        let sys = {
            let log = probe.log();
            log.received
                .iter()
                .filter(|(t, _, _)| t.starts_with("$SYS"))
                .count()
        };
        let counts = (observed, sys, probe.received_on("climate/zone-b/reading"));
        let _ = probe.client.disconnect().await;
        counts
    });
    assert!(
        observed >= 50,
        "the probe got {observed} readings it observes"
    );
    assert_eq!(
        (unobserved_sys, unobserved_zone_b),
        (0, 0),
        "a client logged in as `dashboard` received topics the dashboard does not observe"
    );

    // 2. The dashboard node, logged in as itself.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio");
    let mqtt = runtime.block_on(async {
        let mut config = MqttConfig::new("127.0.0.1", port, "dashboard");
        config.credentials = Some(("dashboard".into(), dashboard_password.clone()));
        MqttConnector::start(config).expect("valid config")
    });
    runtime.spawn(dashboard::run(dashboard::Links { mqtt }));
    wait_until("the dashboard's first readings", || seen().len() >= 20);
    let last_before = seen().last().expect("a reading").seq;

    // 3. The attacks.
    let forged: Vec<(Vec<u8>, bool)> = (1..=FORGED)
        .map(|i| (forged_payload(last_before + i), i % 2 == 0))
        .collect();
    let (anonymous_v5, anonymous_v311, acks, kicked, wrong_v5, wrong_v311) =
        probes.block_on(async {
            // Anonymous: refused at CONNECT; the forged readings never leave the client.
            let anonymous_v5 = Session::connect(port, "rogue", None).await.err();
            let anonymous_v311 = connect_v311(port, "rogue", None).await;
            // The dashboard's login, asking for the sensor's client id: the broker makes
            // the id `dashboard` (so the sensor is not kicked) and refuses every publish.
            let rogue = Session::connect(port, "sensor", dashboard_login)
                .await
                .expect("the dashboard's login is valid");
            rogue.publish_all(READING, &forged).await;
            let (acks, kicked) = {
                let log = rogue.log();
                (log.pubacks.clone(), log.ended.clone())
            };
            // The sensor's id and user name with a wrong password.
            let wrong = Some(("sensor", "not-the-password"));
            let wrong_v5 = Session::connect(port, "sensor", wrong).await.err();
            let wrong_v311 = connect_v311(port, "sensor", wrong).await;
            (
                anonymous_v5,
                anonymous_v311,
                acks,
                kicked,
                wrong_v5,
                wrong_v311,
            )
        });
    assert_eq!(
        anonymous_v5,
        Some(ConnectReturnCode::NotAuthorized),
        "an anonymous MQTT 5 client must be refused (0x87)"
    );
    assert_eq!(
        anonymous_v311,
        rumqttc::ConnectReturnCode::NotAuthorized,
        "an anonymous 3.1.1 client must be refused (5)"
    );
    assert!(
        !acks.is_empty(),
        "no PUBACK for the forged readings ({kicked:?})"
    );
    assert!(
        acks.iter().all(|r| *r == PubAckReason::NotAuthorized),
        "a forged reading was accepted: {acks:?}"
    );
    assert!(
        matches!(
            wrong_v5,
            Some(ConnectReturnCode::BadUserNamePassword | ConnectReturnCode::NotAuthorized)
        ),
        "a wrong password must be refused: {wrong_v5:?}"
    );
    assert!(
        matches!(
            wrong_v311,
            rumqttc::ConnectReturnCode::BadUserNamePassword
                | rumqttc::ConnectReturnCode::NotAuthorized
        ),
        "a wrong password must be refused (3.1.1): {wrong_v311:?}"
    );

    // 4. Readings keep flowing (the dashboard was kicked by its own login and came back);
    //    the sensor reports twice more, never having reconnected.
    let after = seen().len();
    wait_until("readings after the attacks", || seen().len() >= after + 50);
    let lines_after = sensor.status_lines().len();
    wait_until("two sensor status lines after the attacks", || {
        sensor.status_lines().len() >= lines_after + 2
    });
    let status = sensor.status_lines();
    for line in &status {
        assert_eq!(reconnects(line), 0, "the sensor was kicked off: {line}");
    }
    let last_status = status.last().expect("a status line");
    assert!(
        last_status.contains("broker up"),
        "the sensor lost the broker: {last_status}"
    );

    // 5. The tap saw only the sensor's values, in strictly increasing order.
    let readings = seen();
    for pair in readings.windows(2) {
        assert!(
            pair[1].seq > pair[0].seq,
            "#{} after #{}: out of order or repeated",
            pair[1].seq,
            pair[0].seq
        );
    }
    let forged_seen = readings
        .iter()
        .filter(|r| r.celsius.to_bits() != sample(r.seq).to_bits())
        .count();
    assert_eq!(
        forged_seen, 0,
        "the tap saw values the sensor never produced"
    );

    // 6. Nothing forged was retained: a fresh subscriber gets live readings only.
    runtime.shutdown_background();
    let retained = probes.block_on(async {
        let late = Session::connect(port, "late", dashboard_login)
            .await
            .expect("the dashboard's login is valid");
        late.subscribe(&[READING]).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let log = late.log();
        assert!(
            log.received.iter().any(|(t, _, _)| t == READING),
            "the late subscriber got no live reading"
        );
        log.received.iter().filter(|(_, _, retain)| *retain).count()
    });
    assert_eq!(retained, 0, "a retained reading was delivered");

    // One forged reading queued by each 3.1.1 client before its CONNECT, and the rogue's.
    let attempted = 1 + FORGED as usize + 1;
    println!(
        "broker ACL (climate): rogue publishes attempted {attempted} (anonymous: refused at \
         CONNECT, MQTT 5 {anonymous_v5:?} and 3.1.1 {anonymous_v311:?}, its 1 queued reading \
         never on the wire; logged in as `dashboard` with client id `sensor`: {FORGED} \
         forged readings at {FORGED_CELSIUS} °C, {} PUBACKs, all NotAuthorized (0x87){}; \
         the sensor's id and user with a wrong password: refused, MQTT 5 {wrong_v5:?} and \
         3.1.1 {wrong_v311:?}, its 1 queued reading never on the wire); delivered to the tap: \
         {forged_seen}; the tap saw {} sensor readings, #{}..#{}, strictly increasing; \
         sensor reconnects: {} over {} status lines; a `dashboard` probe got {observed} \
         readings it observes and {unobserved_sys} $SYS + {unobserved_zone_b} zone-b \
         messages it does not; retained readings delivered later: {retained}",
        acks.len(),
        kicked.map_or(String::new(), |why| format!(" (then: {why})")),
        readings.len(),
        readings[0].seq,
        readings[readings.len() - 1].seq,
        reconnects(last_status),
        status.len(),
    );
    drop(sensor);
}

#[test]
fn a_node_subscribing_to_an_address_it_does_not_observe_receives_nothing() {
    let broker = secured_broker(
        "topologies/setpoint.toml",
        include_str!("../../topologies/setpoint.toml"),
    );
    let port = broker.port;
    const OPERATOR_A: &str = "setpoint/request/operator-a";
    const REQUESTS: u8 = 20;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio");
    runtime.block_on(async {
        let login = |node: &'static str| Some((node, broker.password(node)));
        let controller = Session::connect(port, "controller", login("controller"))
            .await
            .expect("controller login");
        let console_b = Session::connect(port, "console_b", login("console_b"))
            .await
            .expect("console_b login");
        let console_a = Session::connect(port, "console_a", login("console_a"))
            .await
            .expect("console_a login");
        controller.subscribe(&[OPERATOR_A]).await;
        // console_b writes operator-b and reads nothing.
        console_b.subscribe(&[OPERATOR_A, "setpoint/#"]).await;
        let requests: Vec<(Vec<u8>, bool)> = (0..REQUESTS).map(|i| (vec![i], false)).collect();
        console_a.publish_all(OPERATOR_A, &requests).await;
        // console_b may not write console_a's address either.
        let impostor: Vec<(Vec<u8>, bool)> = vec![(vec![0xEE], false); 5];
        console_b.publish_all(OPERATOR_A, &impostor).await;
        tokio::time::sleep(Duration::from_millis(500)).await;

        let accepted = console_a.log().pubacks.clone();
        assert_eq!(accepted.len(), usize::from(REQUESTS), "{accepted:?}");
        assert!(
            accepted.iter().all(|r| *r == PubAckReason::Success),
            "console_a's own requests refused: {accepted:?}"
        );
        let refused = console_b.log().pubacks.clone();
        assert!(
            refused.len() == impostor.len()
                && refused.iter().all(|r| *r == PubAckReason::NotAuthorized),
            "console_b wrote console_a's address: {refused:?}"
        );
        let got: Vec<Vec<u8>> = controller
            .log()
            .received
            .iter()
            .map(|(_, payload, _)| payload.clone())
            .collect();
        let sent: Vec<Vec<u8>> = requests.into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            got, sent,
            "the controller observes operator-a: every request, in order"
        );
        let leaked = console_b.log().received.len();
        assert_eq!(leaked, 0, "console_b received what it does not observe");
        println!(
            "broker ACL (setpoint): console_a published {REQUESTS} requests (all accepted), \
             the controller received {}, console_b (subscribed to {OPERATOR_A} and \
             setpoint/#) received {leaked}; console_b's {} publishes there: all NotAuthorized",
            got.len(),
            refused.len()
        );
    });
}
