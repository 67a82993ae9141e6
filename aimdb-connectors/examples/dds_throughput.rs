//! DDS throughput and latency: the aimdb connector next to raw rustdds doing the same
//! writes with the same QoS, in the same run, plus allocations per value.
//!
//! ```text
//! cargo run --release -p aimdb-connectors --features dds --example dds_throughput [-- VALUES [ROUNDS]]
//! ```
//!
//! The example re-runs itself in a private network namespace (`unshare -n`, only `lo`), so
//! discovery's multicast cannot leave the machine. Each round sends VALUES (default 20,000)
//! values of a 4-field record from a writer participant to a reader participant, both in
//! this process:
//! - raw: a rustdds `DataWriter<Reading, CDRSerializerAdapter>` (rustdds serializes) and a
//!   `SimpleDataReader<Reading, CDRDeserializerAdapter>` whose async stream a tokio task
//!   drains (rustdds deserializes);
//! - aimdb: `cdr::to_slice` with the contract header into a stack buffer (what a link task
//!   with `codec = "cdr"` does), `DdsConnector::publish`, and a second `DdsConnector`
//!   whose route decodes with `cdr::from_bytes` and records the value.
//!
//! The raw side asks rustdds for what the connector asks: the same writer QoS
//! (`qos::writer(SpmcRing { 4096 }, 0)`: RELIABLE, KEEP_LAST 4096, EXCLUSIVE strength 0),
//! the same reader QoS (`qos::reader()`), the same kind of reader (the simple reader, its
//! async stream, on the same tokio runtime), the same CDR body (25 bytes). Throughput:
//! first write to last arrival with at most 256 values in flight (rustdds 0.15 stalls on
//! an unbounded burst, raw and ours alike), ROUNDS rounds (default 16), which side goes
//! first alternating; the ratio is taken per round (ours over the raw round next to it) and
//! its median is the figure. Latency: 500 values one at a time after each round's burst,
//! each waiting for its arrival; one-way, p50/p99 over all rounds. Allocations: counted on
//! the calling thread around the write call (everything rustdds does there included), and
//! inside our route around decode + record. The host is shared: the load average is
//! printed; the figures move with load.

#[path = "../tests/support/netns.rs"]
mod netns;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aimdb_connectors::cdr;
use aimdb_connectors::dds::{DdsConfig, DdsConnector, qos};
use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{CodecError, Connector, InboundRoute};
use aimdb_core::contract::{self, Fingerprint};
use futures_util::StreamExt;
use rustdds::{DomainParticipantBuilder, QosPolicies, TopicKind};
use serde::{Deserialize, Serialize};

// ---- counting allocator (per thread) ----------------------------------------------------

struct Counting;
thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; the counter touches no heap.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> u64 {
    ALLOCS.with(Cell::get)
}

// ---- the record and what arrives --------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
struct Reading {
    seq: u32,
    celsius: f64,
    sent_ns: u64,
    ok: bool,
}

const FP: Fingerprint = Fingerprint(*b"benchfp1");
const DEPTH: usize = 4096;
/// Values in flight at most during a throughput round.
const WINDOW: usize = 256;
static ARRIVED: AtomicUsize = AtomicUsize::new(0);
static LAST_LATENCY_NS: AtomicU64 = AtomicU64::new(0);
static ROUTE_ALLOCS: AtomicU64 = AtomicU64::new(0);
/// The two connectors, for the figures a failure prints.
static NODES: OnceLock<(&DdsConnector, &DdsConnector)> = OnceLock::new();

fn now_ns() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

fn arrived(value: &Reading) {
    LAST_LATENCY_NS.store(now_ns().saturating_sub(value.sent_ns), Ordering::Relaxed);
    ARRIVED.fetch_add(1, Ordering::Release);
}

static ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: "bench/aimdb",
    deliver: |payload| {
        let before = allocs();
        let (fingerprint, body) = contract::split(payload)?;
        if fingerprint != FP {
            return Err(CodecError::SchemaMismatch);
        }
        let value: Reading = cdr::from_bytes(body).map_err(|_| CodecError::Malformed)?;
        arrived(&value);
        ROUTE_ALLOCS.fetch_add(allocs() - before, Ordering::Relaxed);
        Ok(())
    },
}];

/// One way of writing a value: returns allocations on this thread during the call.
trait Sender {
    fn send(&self, value: &Reading) -> u64;
}

struct Ours(&'static DdsConnector);

impl Sender for Ours {
    fn send(&self, value: &Reading) -> u64 {
        let before = allocs();
        let mut buffer = [0u8; 256];
        FP.write_header(&mut buffer).unwrap();
        let n = cdr::to_slice(value, &mut buffer[8..]).unwrap();
        self.0.publish("bench/aimdb", &buffer[..8 + n]).unwrap();
        allocs() - before
    }
}

type RawWriter = rustdds::no_key::DataWriter<Reading, rustdds::CDRSerializerAdapter<Reading>>;

struct Raw(RawWriter);

impl Sender for Raw {
    fn send(&self, value: &Reading) -> u64 {
        let before = allocs();
        self.0.write(*value, None).unwrap();
        allocs() - before
    }
}

fn wait_for(count: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while ARRIVED.load(Ordering::Acquire) < count {
        assert!(
            Instant::now() < deadline,
            "values lost: {} of {count}; {:?}",
            ARRIVED.load(Ordering::Acquire),
            NODES.get().map(|(w, r)| (
                w.link_stats("bench/aimdb"),
                r.link_stats("bench/aimdb"),
                r.stats()
            ))
        );
        std::thread::yield_now();
    }
}

/// Throughput (values/s) and allocations per value of `values` writes.
fn burst(sender: &dyn Sender, values: u32) -> (f64, f64) {
    ARRIVED.store(0, Ordering::Release);
    let started = Instant::now();
    let mut allocations = 0;
    for seq in 0..values {
        // At most WINDOW values in flight: rustdds 0.15 stalls on an unbounded burst (raw
        // and ours alike: ~1,000 of 5,000 delivered, then no repair), see docs/dds.md.
        wait_for((seq as usize).saturating_sub(WINDOW));
        let value = Reading {
            seq,
            celsius: f64::from(seq) * 0.5,
            sent_ns: now_ns(),
            ok: true,
        };
        allocations += sender.send(&value);
    }
    wait_for(values as usize);
    let secs = started.elapsed().as_secs_f64();
    (
        f64::from(values) / secs,
        allocations as f64 / f64::from(values),
    )
}

/// One-way latencies (ns) of `values` writes, one in flight at a time.
fn latencies(sender: &dyn Sender, values: u32) -> Vec<u64> {
    let mut out = Vec::with_capacity(values as usize);
    for seq in 0..values {
        ARRIVED.store(0, Ordering::Release);
        sender.send(&Reading {
            seq,
            celsius: 1.0,
            sent_ns: now_ns(),
            ok: true,
        });
        wait_for(1);
        out.push(LAST_LATENCY_NS.load(Ordering::Relaxed));
    }
    out.sort_unstable();
    out
}

fn participant() -> rustdds::DomainParticipant {
    DomainParticipantBuilder::new(7)
        .with_only_networks([std::net::IpAddr::from([127, 0, 0, 1])])
        .build()
        .unwrap()
}

fn raw_pair(runtime: &tokio::runtime::Runtime) -> Raw {
    let writer_side = Box::leak(Box::new(participant()));
    let reader_side = Box::leak(Box::new(participant()));
    let none = QosPolicies::qos_none();
    let topic = |dp: &rustdds::DomainParticipant| {
        dp.create_topic(
            "bench/raw".into(),
            "bench::Reading".into(),
            &none,
            TopicKind::NoKey,
        )
        .unwrap()
    };
    // What the connector's reader task does (`dds/run.rs`), minus the ownership check.
    let reader = reader_side
        .create_subscriber(&none)
        .unwrap()
        .create_simple_datareader_no_key::<Reading, rustdds::CDRDeserializerAdapter<Reading>>(
            &topic(reader_side),
            Some(qos::reader()),
        )
        .unwrap();
    runtime.spawn(async move {
        let mut samples = core::pin::pin!(reader.as_async_stream());
        while let Some(Ok(sample)) = samples.next().await {
            arrived(&sample.sample);
        }
    });
    let writer = writer_side
        .create_publisher(&none)
        .unwrap()
        .create_datawriter_no_key_cdr::<Reading>(
            &topic(writer_side),
            // Strength 0: what `register_outbound("bench/aimdb", SpmcRing)` makes.
            Some(qos::writer(BufferKind::SpmcRing { capacity: DEPTH }, 0)),
        )
        .unwrap();
    Raw(writer)
}

fn main() {
    if netns::interfaces() != ["lo"] {
        // Re-run in a private network namespace: discovery cannot leave the machine.
        let exe = std::env::current_exe().unwrap();
        let status = std::process::Command::new("unshare")
            .args(["-n", "--", "sh", "-c"])
            .arg("ip link set lo up && ip route add 224.0.0.0/4 dev lo src 127.0.0.1 && exec \"$0\" \"$@\"")
            .arg(exe)
            .args(std::env::args().skip(1))
            .status()
            .expect("unshare (util-linux) runs");
        std::process::exit(status.code().unwrap_or(1));
    }
    let mut args = std::env::args().skip(1);
    let values: u32 = args.next().map_or(20_000, |v| v.parse().unwrap());
    let rounds: usize = args.next().map_or(16, |v| v.parse().unwrap());
    let load_before = load_average();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _guard = runtime.enter();
    let config = DdsConfig::loopback();
    let writer_node = DdsConnector::start(config.clone()).unwrap();
    let reader_node = DdsConnector::start(config).unwrap();
    reader_node.declare_contract("bench/aimdb", FP);
    reader_node.attach(&ROUTES);
    writer_node.declare_contract("bench/aimdb", FP);
    writer_node.register_outbound("bench/aimdb", BufferKind::SpmcRing { capacity: DEPTH });
    let _ = NODES.set((writer_node, reader_node));
    let ours = Ours(writer_node);
    let raw = raw_pair(&runtime);
    // Discovery and matching: one value through each, then warm-up rounds.
    for sender in [&raw as &dyn Sender, &ours] {
        let deadline = Instant::now() + Duration::from_secs(10);
        ARRIVED.store(0, Ordering::Release);
        while ARRIVED.load(Ordering::Acquire) == 0 {
            assert!(Instant::now() < deadline, "no match");
            sender.send(&Reading {
                seq: 0,
                celsius: 0.0,
                sent_ns: now_ns(),
                ok: false,
            });
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(200));
        burst(sender, values / 4);
    }
    ROUTE_ALLOCS.store(0, Ordering::Relaxed);
    // Which side goes first alternates (the host's load moves); a round's ratio pairs the
    // two bursts next to each other in time.
    let mut table: Vec<Round> = Vec::new();
    for round in 0..rounds {
        let raw_first = round % 2 == 0;
        let mut raw_side = None;
        let mut ours_side = None;
        for raw_turn in [raw_first, !raw_first] {
            let sender: &dyn Sender = if raw_turn { &raw } else { &ours };
            let (rate, allocations) = burst(sender, values);
            let lat = latencies(sender, 500);
            let side = Side {
                rate,
                allocations,
                p50_us: pct(&lat, 0.5),
                lat,
            };
            if raw_turn {
                raw_side = Some(side);
            } else {
                ours_side = Some(side);
            }
        }
        table.push(Round {
            raw_first,
            raw: raw_side.unwrap(),
            ours: ours_side.unwrap(),
        });
    }
    let load_after = load_average();
    let route_allocs =
        ROUTE_ALLOCS.load(Ordering::Relaxed) as f64 / (rounds as f64 * f64::from(values + 500));
    println!(
        "DDS over loopback: {rounds} rounds, each {values} values per side (at most {WINDOW} in flight), then 500 one at a time for latency; first side alternates"
    );
    println!(
        "{:<6} {:>5} {:>11} {:>11} {:>7} {:>9} {:>9} {:>10} {:>10}",
        "round",
        "first",
        "raw val/s",
        "ours val/s",
        "ratio",
        "raw p50",
        "ours p50",
        "raw alloc",
        "ours alloc"
    );
    for (i, r) in table.iter().enumerate() {
        println!(
            "{:<6} {:>5} {:>11.0} {:>11.0} {:>7.2} {:>7.1}us {:>7.1}us {:>10.2} {:>10.2}",
            i + 1,
            if r.raw_first { "raw" } else { "ours" },
            r.raw.rate,
            r.ours.rate,
            r.ours.rate / r.raw.rate,
            r.raw.p50_us,
            r.ours.p50_us,
            r.raw.allocations,
            r.ours.allocations,
        );
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    let ratio = median(table.iter().map(|r| r.ours.rate / r.raw.rate).collect());
    let raw_rate = median(table.iter().map(|r| r.raw.rate).collect());
    let ours_rate = median(table.iter().map(|r| r.ours.rate).collect());
    let all = |f: fn(&Round) -> &Side| {
        let mut v: Vec<u64> = table
            .iter()
            .flat_map(|r| f(r).lat.iter().copied())
            .collect();
        v.sort_unstable();
        v
    };
    let (raw_lat, ours_lat) = (all(|r| &r.raw), all(|r| &r.ours));
    let allocs = |f: fn(&Round) -> &Side| median(table.iter().map(|r| f(r).allocations).collect());
    println!(
        "median   raw {raw_rate:.0} values/s, ours {ours_rate:.0} values/s; latency p50/p99 raw {:.1}/{:.1} us, ours {:.1}/{:.1} us ({} values each)",
        pct(&raw_lat, 0.5),
        pct(&raw_lat, 0.99),
        pct(&ours_lat, 0.5),
        pct(&ours_lat, 0.99),
        raw_lat.len()
    );
    println!(
        "allocations per write on the writing thread (rustdds's write included): raw {:.2}, ours {:.2}; in our route (CDR decode + record) per value: {route_allocs:.2}",
        allocs(|r| &r.raw),
        allocs(|r| &r.ours)
    );
    println!("load average (1/5/15 min): before {load_before}, after {load_after}");
    let sample = Reading {
        seq: 1,
        celsius: 0.5,
        sent_ns: 1,
        ok: true,
    };
    let mut buffer = [0u8; 256];
    let ours_body = cdr::to_slice(&sample, &mut buffer).unwrap() - 4;
    let raw_body = <rustdds::CDRSerializerAdapter<Reading> as rustdds::no_key::SerializerAdapter<
        Reading,
    >>::to_bytes(&sample)
    .unwrap()
    .len();
    println!("CDR body per sample: raw {raw_body} bytes, ours {ours_body} bytes");
    println!(
        "connector counters: writer {:?}, reader {:?}, reader-wide {:?}",
        writer_node.link_stats("bench/aimdb"),
        reader_node.link_stats("bench/aimdb"),
        reader_node.stats()
    );
    println!("median throughput ratio aimdb/raw over {rounds} rounds: {ratio:.2} (bar >= 0.9)");
}

/// One side of one round.
struct Side {
    rate: f64,
    allocations: f64,
    p50_us: f64,
    lat: Vec<u64>,
}

struct Round {
    raw_first: bool,
    raw: Side,
    ours: Side,
}

/// The `p` quantile of sorted nanoseconds, in microseconds.
fn pct(sorted: &[u64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p) as usize] as f64 / 1000.0
}

/// The first three fields of /proc/loadavg.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}
