//! DDS throughput and latency: the aimdb connector next to raw rustdds doing the same
//! writes with the same QoS, in the same run, plus allocations per value.
//!
//! ```text
//! cargo run --release -p aimdb-connectors --features dds --example dds_throughput [-- VALUES]
//! ```
//!
//! The example re-runs itself in a private network namespace (`unshare -n`, only `lo`), so
//! discovery's multicast cannot leave the machine. Each round sends VALUES (default 20,000)
//! values of a 4-field record from a writer participant to a reader participant, both in
//! this process:
//! - raw: a rustdds `DataWriter<Reading, CDRSerializerAdapter>` (rustdds serializes) and a
//!   `DataReader<Reading, CDRDeserializerAdapter>` whose sample stream a task drains;
//! - aimdb: `cdr::to_slice` with the contract header into a stack buffer (what a link task
//!   with `codec = "cdr"` does), `DdsConnector::publish`, and a second `DdsConnector`
//!   whose route decodes with `cdr::from_bytes` and records the value.
//!
//! Both use `qos::writer(SpmcRing { 4096 })` / `qos::reader()`. Throughput: first write
//! to last arrival with at most 256 values in flight (rustdds 0.15 stalls on an unbounded
//! burst, raw and ours alike), median of 4 rounds, which side goes first alternating.
//! Latency: 2,000 values one at a time (4 alternating rounds of 500), each waiting for its
//! arrival; one-way, p50/p99. Allocations: counted on the calling thread around the write
//! call (everything rustdds does there included), and inside our route around decode +
//! record. The host is shared: run it on a quiet machine, the figures move with load.

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
    let reader = reader_side
        .create_subscriber(&none)
        .unwrap()
        .create_datareader_no_key_cdr::<Reading>(&topic(reader_side), Some(qos::reader()))
        .unwrap();
    runtime.spawn(async move {
        let mut samples = reader.async_sample_stream();
        while let Some(Ok(sample)) = samples.next().await {
            arrived(sample.value());
        }
    });
    let writer = writer_side
        .create_publisher(&none)
        .unwrap()
        .create_datawriter_no_key_cdr::<Reading>(
            &topic(writer_side),
            Some(qos::writer(BufferKind::SpmcRing { capacity: DEPTH }, 10)),
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
    let values: u32 = std::env::args()
        .nth(1)
        .map_or(20_000, |v| v.parse().unwrap());
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
    let (mut ours_rates, mut raw_rates) = (Vec::new(), Vec::new());
    let (mut ours_allocs, mut raw_allocs) = (0.0, 0.0);
    ROUTE_ALLOCS.store(0, Ordering::Relaxed);
    // 4 rounds each; which side goes first alternates (the host's load moves).
    let (mut raw_lat, mut ours_lat) = (Vec::new(), Vec::new());
    let mut round_of = |raw_side: bool| {
        let (sender, rates, allocations, lat): (&dyn Sender, _, _, _) = if raw_side {
            (&raw, &mut raw_rates, &mut raw_allocs, &mut raw_lat)
        } else {
            (&ours, &mut ours_rates, &mut ours_allocs, &mut ours_lat)
        };
        let (rate, a) = burst(sender, values);
        rates.push(rate);
        *allocations = a;
        lat.extend(latencies(sender, 500));
    };
    for round in 0..4 {
        round_of(round % 2 == 0);
        round_of(round % 2 == 1);
    }
    let route_allocs = ROUTE_ALLOCS.load(Ordering::Relaxed) as f64 / f64::from(4 * (values + 500));
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ours_rate, raw_rate) = (median(&mut ours_rates), median(&mut raw_rates));
    raw_lat.sort_unstable();
    ours_lat.sort_unstable();
    let pct = |v: &[u64], p: f64| v[((v.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
    let row = |name: &str, rate: f64, lat: &[u64], allocations: f64| {
        println!(
            "{name:<8} {rate:>12.0} {:>10.1} {:>10.1} {allocations:>14.2}",
            pct(lat, 0.5),
            pct(lat, 0.99)
        );
    };
    println!(
        "DDS over loopback, {values} values x 4 rounds (median, alternating), 2,000 one at a time for latency (4 rounds of 500, alternating)"
    );
    println!(
        "{:<8} {:>12} {:>10} {:>10} {:>14}",
        "", "values/s", "p50 us", "p99 us", "allocs/write"
    );
    row("raw", raw_rate, &raw_lat, raw_allocs);
    row("aimdb", ours_rate, &ours_lat, ours_allocs);
    println!(
        "throughput ratio aimdb/raw: {:.2} (bar >= 0.9)",
        ours_rate / raw_rate
    );
    println!(
        "allocations in our route (CDR decode + record) per value: {route_allocs:.2}; \
         aimdb's write = our encode (0) + the connector (0: samples are cut from an arena) + rustdds's write"
    );
    println!(
        "connector counters: writer {:?}, reader {:?}",
        writer_node.link_stats("bench/aimdb"),
        reader_node.link_stats("bench/aimdb")
    );
}
