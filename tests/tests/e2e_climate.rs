//! The climate system end to end, both nodes generated from `topologies/climate.toml`: the
//! `sensor` node is firmware (`firmware/climate-sensor`) booted in QEMU, publishing over
//! MQTT straight from UART0 to a private mosquitto on 127.0.0.1; the `dashboard` node runs
//! here, in-process on tokio, with the file's `render_chart` tap defined below.
//!
//! Checked: at least [`WANTED`] readings (200 or more of them in the steady state) reach the tap, in order, each exactly what the
//! sensor produced for its sequence number (bit for bit); then the broker is killed and
//! restarted, neither node crashes, both reconnect (their counters say so) and readings flow
//! again, still exact and in order.
//!
//! Across the outage, readings are lost beyond the sensor's ring, and the backlog the sensor
//! sends on reconnecting is dropped by the broker if the dashboard has not subscribed again
//! yet (clean sessions, no persistence): the test checks order and values, not completeness,
//! after the restart, and prints what arrived.
//!
//! Printed: end-to-end latency p50/p99 (method below), throughput, the firmware's flash and
//! RAM next to the generated RAM constants, and the reconnect timeline.
//!
//! **Latency method.** Each reading carries `taken_us`, the time the sensor took it on its
//! own clock (µs since boot, from board-mps2's timer). Without `-icount`, QEMU's virtual
//! clock is the host's monotonic clock minus a constant, so only that constant (the clock
//! offset) is unknown, not a drift. The firmware prints a semihosting line right after
//! producing readings #0, #50, #100, ..; a thread here notes when each line arrives (pipe
//! polled every 200 µs). Reading *k*'s line cannot arrive before the reading was taken, so
//! `arrival_k - taken_us_k` bounds the offset from above; the smallest over all lines is the
//! estimate. Latency of reading *n* = host time at the tap − (`taken_us_n` + offset). The
//! error is the semihosting path's delay (tens of µs, plus the 200 µs poll): the figures are
//! slightly low, never high. (The estimate is also capped so no latency is negative.)
//! Percentiles are over the steady state: readings taken after the first one reached the
//! tap. Those taken earlier waited for the MQTT session to come up; the start-up backlog
//! is reported on its own line.
//!
//! The broker enforces the topology: `allow_anonymous false`, the ACL the compiler writes
//! for `topologies/climate.toml` (`aimdb acl`) and a random password per node. The
//! dashboard gets its login in its MQTT config, the firmware reads its own at boot from the
//! host file QEMU's `-append "mqtt-credentials=FILE"` names (checked: it logged in as
//! `sensor`).
//!
//! Needs `qemu-system-arm`, the `thumbv7em-none-eabihf` target and mosquitto.

#[path = "../../aimdb-connectors/tests/support/broker.rs"]
mod broker;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aimdb::Consumer;
use aimdb_connectors::mqtt::{MqttConfig, MqttConnector};
use aimdb_tests::qemu::{Firmware, Qemu, QemuError};
use climate_model::{Temperature, sample};

aimdb::topology!(file = "../topologies/climate.toml", node = "dashboard");

/// Readings that must reach the tap before the broker is killed.
const WANTED: usize = 500;
/// Readings that must arrive after the broker came back.
const AFTER_RESTART: usize = 50;
/// How long the broker stays down.
const OUTAGE: Duration = Duration::from_secs(3);
const WAIT: Duration = Duration::from_secs(40);

/// Every reading the tap got, with the host time it got it.
static SEEN: Mutex<Vec<(Temperature, Instant)>> = Mutex::new(Vec::new());

/// The tap named in the topology file.
async fn render_chart(mut consumer: Consumer<'static, Temperature>) {
    while let Ok(reading) = consumer.recv().await {
        let at = Instant::now();
        SEEN.lock().unwrap().push((reading, at));
    }
}

fn seen() -> Vec<(Temperature, Instant)> {
    SEEN.lock().unwrap().clone()
}

/// Wait (polling) until `done` holds for what the tap saw.
fn wait_for(what: &str, qemu: &Qemu, done: impl Fn(&[(Temperature, Instant)]) -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done(&seen()) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; tap saw {} readings; QEMU said:\n{}",
            seen().len(),
            qemu.output()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sequence numbers of the firmware's `reading #K` status lines in `text`.
fn status_lines(text: &str) -> impl Iterator<Item = u32> + '_ {
    text.lines().filter_map(|line| {
        let rest = line.split_once("reading #")?.1;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

/// The largest `(N reconnects)` the firmware reported.
fn firmware_reconnects(text: &str) -> u32 {
    text.lines()
        .filter_map(|line| {
            let head = line.split_once(" reconnects)")?.0;
            head.rsplit_once('(')?.1.parse().ok()
        })
        .max()
        .unwrap_or(0)
}

/// Readings in order with exactly the sensor's values; returns how many were skipped.
fn check_exact(readings: &[(Temperature, Instant)]) -> u32 {
    let mut gaps = 0;
    for pair in readings.windows(2) {
        let (a, b) = (pair[0].0, pair[1].0);
        assert!(b.seq > a.seq, "out of order: #{} after #{}", b.seq, a.seq);
        assert!(b.taken_us > a.taken_us, "time went back at #{}", b.seq);
        gaps += b.seq - a.seq - 1;
    }
    for (reading, _) in readings {
        assert_eq!(
            reading.celsius.to_bits(),
            sample(reading.seq).to_bits(),
            "reading #{} is {} °C, the sensor produces {} °C",
            reading.seq,
            reading.celsius,
            sample(reading.seq)
        );
    }
    gaps
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index]
}

/// A broker enforcing `topologies/climate.toml`: its generated ACL, one login per node.
fn secured_broker() -> broker::Broker {
    let source = include_str!("../../topologies/climate.toml");
    let system = aimdb_compiler::check_file(source)
        .0
        .expect("the climate topology");
    let acl = aimdb_compiler::report::acl::render(&system, "topologies/climate.toml")
        .expect("an ACL for the climate topology");
    let users: Vec<&str> = system.nodes.iter().map(|node| node.name()).collect();
    broker::Broker::start_secured(&acl, &users)
}

#[test]
fn sensor_in_qemu_reaches_the_dashboard_tap_exactly_and_survives_a_broker_restart()
-> Result<(), QemuError> {
    let elf = Firmware::build("climate-sensor")?;
    let mut broker = secured_broker();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| QemuError::Io(format!("tokio: {e}")))?;

    // The dashboard node, subscribed before the sensor boots so reading #0 is not missed.
    let mqtt = runtime.block_on(async {
        let mut config = MqttConfig::new("127.0.0.1", broker.port, "e2e-dashboard");
        config.credentials = Some(("dashboard".into(), broker.password("dashboard").into()));
        MqttConnector::start(config).expect("valid config")
    });
    // The browser node has its own test (browser_node.rs).
    runtime.spawn(dashboard::run(dashboard::Links { mqtt }));
    let ready = Instant::now();
    while mqtt.stats().subscribe_acks < 1 {
        assert!(
            ready.elapsed() < WAIT,
            "dashboard never subscribed: {:?}",
            mqtt.stats()
        );
        std::thread::sleep(Duration::from_millis(5));
    }

    // `reconnect=1`: QEMU dials the broker again every second after it goes away.
    let addr = ([127, 0, 0, 1], broker.port).into();
    let cmdline = format!("mqtt-credentials={}", broker.credentials_file().display());
    let mut qemu = Qemu::boot_serial_with_cmdline(&elf, addr, ",reconnect=1", &cmdline)?;
    let booted = qemu.booted_at();

    // Note when each status line arrives (the clock offset estimate, see the module docs).
    let arrivals: Mutex<HashMap<u32, Instant>> = Mutex::new(HashMap::new());
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let text = qemu.output();
                let now = Instant::now();
                let mut arrivals = arrivals.lock().unwrap();
                for seq in status_lines(&text) {
                    arrivals.entry(seq).or_insert(now);
                }
                drop(arrivals);
                std::thread::sleep(Duration::from_micros(200));
            }
        });
        wait_for("the first readings", &qemu, |s| s.len() >= WANTED);
        stop.store(true, Ordering::Relaxed);
    });
    let first_run = seen();
    let gaps = check_exact(&first_run);
    assert!(
        qemu.output()
            .contains("MQTT login: user `sensor` (password from "),
        "the firmware did not log in as `sensor`:\n{}",
        qemu.output()
    );
    assert_eq!(
        first_run[0].0.seq, 0,
        "the dashboard was subscribed before boot"
    );
    let first_at = first_run[0].1 - booted;

    // Latency: the clock offset from the status lines, then host time minus taken time.
    let micros = |at: Instant| (at - booted).as_secs_f64() * 1e6;
    let arrivals = arrivals.into_inner().unwrap();
    let taken: HashMap<u32, u64> = first_run.iter().map(|(r, _)| (r.seq, r.taken_us)).collect();
    let from_lines = arrivals
        .iter()
        .filter_map(|(seq, at)| Some(micros(*at) - *taken.get(seq)? as f64))
        .fold(f64::INFINITY, f64::min);
    let from_tap = first_run
        .iter()
        .map(|(r, at)| micros(*at) - r.taken_us as f64)
        .fold(f64::INFINITY, f64::min);
    assert!(from_lines.is_finite(), "no status line matched a reading");
    let offset = from_lines.min(from_tap);
    // Steady state: readings taken after the first one reached the tap. Those taken before
    // waited for the MQTT session to come up (QEMU connects the UART in the background, and
    // a CONNECT sent before that is retried after 1 s): start-up, reported on its own.
    let first_arrival = micros(first_run[0].1);
    let latency =
        |(r, at): &(Temperature, Instant)| (micros(*at) - r.taken_us as f64 - offset) / 1e3;
    let steady: Vec<&(Temperature, Instant)> = first_run
        .iter()
        .filter(|(r, _)| r.taken_us as f64 + offset >= first_arrival)
        .collect();
    assert!(
        steady.len() >= 200,
        "only {} readings after start-up; tap saw {}",
        steady.len(),
        first_run.len()
    );
    let mut latency_ms: Vec<f64> = steady.iter().map(|r| latency(r)).collect();
    latency_ms.sort_by(f64::total_cmp);
    let backlog = first_run.len() - steady.len();
    let worst_backlog = first_run[..backlog].iter().map(latency).fold(0.0, f64::max);
    let span = (steady[steady.len() - 1].1 - steady[0].1).as_secs_f64();
    let throughput = (steady.len() - 1) as f64 / span;
    println!(
        "e2e climate (QEMU sensor -> UART0 -> mosquitto -> tokio dashboard tap, QoS 1): \
         {} readings in order, exact, {gaps} skipped by the SingleLatest buffer; first at the \
         tap {first_at:?} after QEMU started; {backlog} taken before it (start-up backlog, \
         up to {worst_backlog:.0} ms late)",
        first_run.len()
    );
    println!(
        "e2e latency (taken on the MCU -> in the host tap), {} steady-state readings: \
         p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; clock offset from {} status lines{}",
        steady.len(),
        percentile(&latency_ms, 0.50),
        percentile(&latency_ms, 0.99),
        latency_ms[latency_ms.len() - 1],
        arrivals.len(),
        if from_tap < from_lines {
            " (capped by the fastest reading)"
        } else {
            ""
        }
    );
    println!(
        "e2e throughput: {throughput:.1} readings/s sustained over {span:.2} s \
         (the sensor's pace: one reading every {} ms)",
        climate_model::reading::PERIOD.as_millis()
    );
    print_sizes(&elf, &qemu.output());

    // The broker goes away and comes back; both nodes must carry on.
    let last = first_run[first_run.len() - 1].0.seq;
    let killed = Instant::now();
    broker.kill();
    std::thread::sleep(OUTAGE);
    broker.restart();
    let restarted = Instant::now();
    let before = seen().len();
    wait_for("readings after the broker restart", &qemu, |s| {
        s.len() >= before + AFTER_RESTART
    });
    let resumed = seen()[before].1;
    let all = seen();
    let lost_in_outage = check_exact(&all) - gaps;
    let status = qemu.output();
    assert!(
        !status.contains("panic"),
        "the firmware panicked:\n{status}"
    );
    // The firmware reports its counters every 50 readings: wait for a line after reconnecting.
    let deadline = Instant::now() + WAIT;
    while firmware_reconnects(&qemu.output()) < 1 {
        assert!(
            Instant::now() < deadline,
            "firmware never reported a reconnect:\n{}",
            qemu.output()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let dashboard_stats = mqtt.stats();
    assert!(
        dashboard_stats.reconnects >= 1,
        "dashboard: {dashboard_stats:?}"
    );
    assert!(mqtt.is_running(), "the dashboard's connector tasks ended");
    let link = mqtt
        .link_stats("climate/zone-a/reading")
        .expect("the dashboard's inbound link");
    println!(
        "broker killed after reading #{last}, down {OUTAGE:?}: readings resumed {:?} after the \
         restart ({:?} after the kill); the tap skipped {lost_in_outage} sequence numbers \
         across the outage; the dashboard's link received {} values in all, its tap {}; \
         reconnects: dashboard {}, firmware {}",
        resumed - restarted,
        resumed - killed,
        link.received,
        all.len(),
        dashboard_stats.reconnects,
        firmware_reconnects(&qemu.output()),
    );
    qemu.kill();
    runtime.shutdown_background();
    Ok(())
}

/// The firmware's flash and RAM (scripts/firmware-size.sh) next to the RAM constants
/// generated for both nodes.
fn print_sizes(elf: &std::path::Path, qemu_output: &str) {
    let script = Firmware::workspace().join("../scripts/firmware-size.sh");
    match std::process::Command::new(&script).arg(elf).output() {
        Ok(out) if out.status.success() => print!("{}", String::from_utf8_lossy(&out.stdout)),
        Ok(out) => println!("firmware-size.sh: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => println!("firmware-size.sh: {e}"),
    }
    if let Some(boot) = qemu_output.lines().find(|l| l.contains("booted")) {
        println!("{boot}");
    }
    println!(
        "generated RAM constants: dashboard::ram::TOTAL {} B (host, SingleLatest<Temperature>)",
        dashboard::ram::TOTAL
    );
}
