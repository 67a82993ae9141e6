//! The fleet's `dashboard` node (`topologies/fleet.toml`) as the measuring end of
//! `scripts/scale.sh`: it observes the family `climate/{instance}/reading` (one wildcard
//! subscription, one ring per instance, one tap task per instance), waits until `--instances`
//! sensors are heard, lets the fleet warm up, then measures for `--seconds` and prints one
//! result row (`climate_host::fleet::Row`): delivered/s, p50/p99 latency from each reading's
//! wall-clock timestamp to the tap, its own CPU and RSS, the broker's CPU (`--broker-pid`, both brokers' when bridged),
//! and what was lost (gaps in each instance's sequence, values its rings overwrote).
//!
//! ```sh
//! fleet-dashboard --broker 127.0.0.1:1883 --instances 100 --seconds 15 [--broker-pid PID[,PID]]
//! fleet-dashboard --report ROWS_FILE --svg OUT.svg      # the table (stdout) and the plot
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aimdb::connectors::mqtt::{MqttConfig, MqttConnector};
use aimdb::{Consumer, RecvError};
use climate_host::fleet::{Histogram, Row, TICKS_PER_S, cpu_ticks, rss_kib, svg, table};
use climate_model::Temperature;

aimdb::topology!(file = "../topologies/fleet.toml", node = "dashboard");

const FAMILY: usize = dashboard::READING_INSTANCES.len();

/// One instance's counts, kept by its tap.
struct Zone {
    received: AtomicU64,
    /// The next sequence number expected (0: none seen yet; else last + 1).
    next: AtomicU64,
    gaps: AtomicU64,
    lagged: AtomicU64,
}

static ZONES: [Zone; FAMILY] = [const {
    Zone {
        received: AtomicU64::new(0),
        next: AtomicU64::new(0),
        gaps: AtomicU64::new(0),
        lagged: AtomicU64::new(0),
    }
}; FAMILY];
static LATENCY: Histogram = Histogram::new();
static MEASURING: AtomicBool = AtomicBool::new(false);

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// The family tap: one task per instance.
async fn render_zone(instance: &'static str, mut consumer: Consumer<'static, Temperature>) {
    let Some(zone) = dashboard::reading_index(instance).map(|i| &ZONES[i]) else {
        return;
    };
    loop {
        let reading = match consumer.recv().await {
            Ok(reading) => reading,
            Err(RecvError::Lagged(missed)) => {
                zone.lagged.fetch_add(missed, Ordering::Relaxed);
                continue;
            }
            Err(_) => continue,
        };
        if MEASURING.load(Ordering::Relaxed) {
            LATENCY.record(now_us().saturating_sub(reading.taken_us));
        }
        zone.received.fetch_add(1, Ordering::Relaxed);
        let seq = u64::from(reading.seq);
        let next = zone.next.load(Ordering::Relaxed);
        if next != 0 && seq > next {
            zone.gaps.fetch_add(seq - next, Ordering::Relaxed);
        }
        if seq + 1 > next {
            zone.next.store(seq + 1, Ordering::Relaxed);
        }
    }
}

/// (received, gaps, overrun) over every instance.
fn totals() -> (u64, u64, u64) {
    ZONES.iter().fold((0, 0, 0), |(r, g, o), z| {
        (
            r + z.received.load(Ordering::Relaxed),
            g + z.gaps.load(Ordering::Relaxed),
            o + z.lagged.load(Ordering::Relaxed),
        )
    })
}

/// The CPU ticks of every process in `pids` together.
fn ticks(pids: &[u32]) -> Option<u64> {
    pids.iter().map(|p| cpu_ticks(Some(*p))).sum()
}

struct Args {
    broker: String,
    instances: u32,
    seconds: u64,
    warmup: u64,
    broker_pids: Vec<u32>,
    setup: String,
}

fn usage() -> ! {
    eprintln!(
        "usage: fleet-dashboard --broker HOST:PORT --instances N [--seconds S] [--warmup S] [--broker-pid PID[,PID]] [--setup NAME]\n       fleet-dashboard --report ROWS_FILE [--svg OUT]"
    );
    std::process::exit(2)
}

fn report(rows_file: &str, svg_out: Option<&str>) {
    let text = std::fs::read_to_string(rows_file).unwrap_or_else(|e| {
        eprintln!("{rows_file}: {e}");
        std::process::exit(1)
    });
    let rows: Vec<Row> = text.lines().filter_map(Row::parse).collect();
    print!("{}", table(&rows));
    if let Some(out) = svg_out {
        std::fs::write(out, svg(&rows)).unwrap_or_else(|e| {
            eprintln!("{out}: {e}");
            std::process::exit(1)
        });
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        argv.iter()
            .position(|a| a == name)
            .and_then(|at| argv.get(at + 1).cloned())
    };
    if let Some(rows) = value("--report") {
        report(&rows, value("--svg").as_deref());
        return;
    }
    let number = |name: &str, default: u64| match value(name) {
        Some(v) => v.parse().unwrap_or_else(|_| usage()),
        None => default,
    };
    let args = Args {
        broker: value("--broker").unwrap_or_else(|| usage()),
        instances: number("--instances", 0) as u32,
        seconds: number("--seconds", 15),
        warmup: number("--warmup", 3),
        broker_pids: value("--broker-pid")
            .map(|list| {
                list.split(',')
                    .map(|p| p.parse().unwrap_or_else(|_| usage()))
                    .collect()
            })
            .unwrap_or_default(),
        setup: value("--setup").unwrap_or_else(|| "one broker".to_owned()),
    };
    let addr = climate_host::resolve(&args.broker).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let mqtt = runtime.block_on(async {
        let config = MqttConfig::new(addr.ip().to_string(), addr.port(), "fleet-dashboard");
        MqttConnector::start(config).expect("valid config")
    });
    runtime.spawn(dashboard::run(dashboard::Links { mqtt }));
    // Every sensor heard (bounded), then the warm-up, then the window.
    let heard = || {
        ZONES
            .iter()
            .filter(|z| z.received.load(Ordering::Relaxed) > 0)
            .count() as u32
    };
    let start = Instant::now();
    while heard() < args.instances {
        if start.elapsed() > Duration::from_secs(120) {
            eprintln!(
                "fleet-dashboard: only {} of {} sensors heard after 120 s",
                heard(),
                args.instances
            );
            std::process::exit(1);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(args.warmup));
    let (received0, gaps0, overrun0) = totals();
    let (cpu0, broker0) = (cpu_ticks(None), ticks(&args.broker_pids));
    let link0 = mqtt.link_stats("climate/+/reading").unwrap_or_default();
    LATENCY.reset();
    MEASURING.store(true, Ordering::Relaxed);
    let window = Instant::now();
    std::thread::sleep(Duration::from_secs(args.seconds));
    MEASURING.store(false, Ordering::Relaxed);
    let elapsed = window.elapsed().as_secs_f64();
    let (received1, gaps1, overrun1) = totals();
    let (cpu1, broker1) = (cpu_ticks(None), ticks(&args.broker_pids));
    let link1 = mqtt.link_stats("climate/+/reading").unwrap_or_default();
    let percent = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (Some(a), Some(b)) => (b - a) as f64 / TICKS_PER_S / elapsed * 100.0,
        _ => f64::NAN,
    };
    let row = Row {
        setup: args.setup,
        instances: args.instances,
        delivered_per_s: (received1 - received0) as f64 / elapsed,
        p50_ms: LATENCY.quantile_ms(0.5).unwrap_or(f64::NAN),
        p99_ms: LATENCY.quantile_ms(0.99).unwrap_or(f64::NAN),
        dashboard_cpu: percent(cpu0, cpu1),
        dashboard_rss_mib: rss_kib().map_or(f64::NAN, |k| k as f64 / 1024.0),
        broker_cpu: percent(broker0, broker1),
        sensors_cpu: f64::NAN, // the script measures the sensors
        lost: gaps1 - gaps0,
        overrun: overrun1 - overrun0,
        refused: (link1.unknown_instance + link1.decode_errors)
            - (link0.unknown_instance + link0.decode_errors),
    };
    println!("{}", row.to_line());
}
