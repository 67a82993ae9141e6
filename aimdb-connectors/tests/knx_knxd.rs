//! The KNX connector against a real KNXnet/IP tunnelling server: knxd with a virtual bus,
//! and knxtool as the independent second party on that bus.
//!
//! knxd joins a multicast group on the default-route interface and binds 0.0.0.0, so it is
//! never started in the machine's own network namespace. `knxd_end_to_end` re-runs this
//! test binary under `unshare -n` (a new network namespace holding only `lo`, brought up
//! with a multicast route), where the `#[ignore]`d `inner_scenario_in_private_netns` starts
//! knxd and runs both connectors; the inner test refuses to run anywhere else. The child
//! runs in its own process group, which the outer test kills if it overruns, so neither
//! knxd nor the namespace outlive the test.
//!
//! Two connectors each open their own tunnel to knxd:
//! - `HOST`, the tokio connector ([`KnxConnector::start`]): writes DPT 9.001 temperatures
//!   to 1/2/3, reads DPT 1.001 switches from 1/2/4.
//! - `EMB`, the embassy connector's loop (`KnxConnector::run`: embassy-time's std driver,
//!   over the [`KnxUdp`] adapter for a tokio socket): reads 1/2/3 and DPT 5.001 from 1/2/5,
//!   writes DPT 14 to 1/2/6 and DPT 9.007 to 1/2/7.
//!
//! Checked: knxtool's `groupsocketlisten` sees our writes (decoded per DPT, from the
//! tunnel's individual address); knxtool's writes reach our routes, a malformed one is
//! counted; 2,000 telegrams from HOST reach EMB in order; knxd killed and restarted: both
//! reconnect by themselves (counted) and values flow both ways again; `close` disconnects.
//! Figures (`--nocapture`): round trips node → knxd → knxtool and node → knxd → second
//! tunnel client, telegrams/s, and the embassy connector's RAM.
//!
//! Skips (with a message) only when knxd is not installed and `CI` is unset. The namespace,
//! knxd and knxtool harness is `support/knxd.rs` (shared with `tests/tests/knx_setpoint.rs`).

#[path = "support/knxd.rs"]
mod knxd;

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aimdb_connectors::knx::dpt::{dpt1_001, dpt5_001, dpt9_001, dpt9_007, dpt14};
use aimdb_connectors::knx::{KnxConfig, KnxConnector, KnxUdp, TokioUdp};
use aimdb_core::connector::{CodecError, Connector, InboundRoute};
use aimdb_core::mutex::{CriticalSectionRawMutex, StdRawMutex};
use knxd::{Knxd, Listener, SERVER, individual, knxtool};

const INNER: &str = "inner_scenario_in_private_netns";
/// Every wait in the inner scenario is bounded by this.
const WAIT: Duration = Duration::from_secs(10);
/// The whole inner run is bounded by this.
const WHOLE: Duration = Duration::from_secs(75);

/// Fast timings for the test: a lost knxd is noticed within ~1.5 s.
const CONFIG: KnxConfig = KnxConfig {
    connect_timeout: Duration::from_secs(1),
    heartbeat_interval: Duration::from_secs(1),
    heartbeat_timeout: Duration::from_millis(500),
    heartbeat_attempts: 2,
    backoff_min: Duration::from_millis(50),
    backoff_max: Duration::from_millis(400),
    ..KnxConfig::new()
};

type Host = KnxConnector<StdRawMutex, 64, 8>;

/// The embassy node's connector, as firmware declares it (critical-section mutex).
static EMB: KnxConnector<CriticalSectionRawMutex, 16, 8> = KnxConnector::new(CONFIG);

/// What the routes received, with when.
static SWITCHES: Mutex<Vec<(bool, Instant)>> = Mutex::new(Vec::new());
static TEMPERATURES: Mutex<Vec<(f32, Instant)>> = Mutex::new(Vec::new());
static PERCENTAGES: Mutex<Vec<f32>> = Mutex::new(Vec::new());

static HOST_ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: "1/2/4",
    deliver: |payload| {
        let value = dpt1_001::from_bytes(payload)?;
        SWITCHES.lock().unwrap().push((value, Instant::now()));
        Ok(())
    },
}];

static EMB_ROUTES: [InboundRoute; 2] = [
    InboundRoute {
        address: "1/2/3",
        deliver: |payload| {
            let value = dpt9_001::from_bytes(payload)?;
            TEMPERATURES.lock().unwrap().push((value, Instant::now()));
            Ok(())
        },
    },
    InboundRoute {
        address: "1/2/5",
        deliver: |payload| {
            let value = dpt5_001::from_bytes(payload)?;
            PERCENTAGES.lock().unwrap().push(value);
            Ok(())
        },
    },
];

#[test]
fn knxd_end_to_end() {
    knxd::run_in_private_netns("knx_knxd", INNER, WHOLE);
}

async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting until {what}; EMB {:?}",
            EMB.stats()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn encode(f: fn(&f32, &mut [u8]) -> Result<usize, CodecError>, value: f32) -> Vec<u8> {
    let mut out = [0u8; 8];
    let len = f(&value, &mut out).unwrap();
    out[..len].to_vec()
}

/// Publish as a link task does: wait for room, then hand over the payload.
async fn publish(connector: &dyn Connector, address: &str, payload: &[u8]) {
    std::future::poll_fn(|cx| connector.poll_ready(cx)).await;
    connector.publish(address, payload).unwrap();
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

/// A UDP socket that never receives: for measuring the loop's own future.
struct NullUdp;

impl KnxUdp for NullUdp {
    type Error = ();
    async fn send(&mut self, _: &[u8]) -> Result<(), ()> {
        Ok(())
    }
    async fn recv(&mut self, _: &mut [u8]) -> Result<usize, ()> {
        std::future::pending().await
    }
}

#[test]
#[ignore = "run by knxd_end_to_end inside a private network namespace it makes"]
fn inner_scenario_in_private_netns() {
    knxd::assert_private_netns();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        tokio::time::timeout(WHOLE, scenario())
            .await
            .expect("the scenario finished in time");
    });
}

async fn scenario() {
    let dir = std::env::temp_dir().join(format!("aimdb-knxd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server: SocketAddr = SERVER.parse().unwrap();
    let started = Instant::now();
    let mut knxd = Knxd::start(&dir, WAIT);
    println!("[knx] knxd ready in {:?}", started.elapsed());
    let mut listener = Listener::start(&knxd, WAIT).await;

    let host: &'static Host = KnxConnector::start(CONFIG, server).unwrap();
    host.attach(&HOST_ROUTES);
    EMB.attach(&EMB_ROUTES);
    let emb_run = tokio::task::spawn_local(async move {
        let mut udp = TokioUdp::connect(server).await.unwrap();
        EMB.run(&mut udp).await;
    });
    wait_until("both tunnels are open", || {
        host.stats().connected && EMB.stats().connected
    })
    .await;
    let (host_ia, emb_ia) = (host.stats().address, EMB.stats().address);
    assert_ne!(host_ia, emb_ia, "knxd gives each tunnel its own address");
    println!(
        "[knx] tunnels open in {:?}: HOST {}, EMB {}",
        started.elapsed(),
        individual(host_ia),
        individual(emb_ia)
    );

    // --- Our writes, seen on the bus by knxtool, decoded per DPT.
    publish(host, "1/2/3", &encode(dpt9_001::to_bytes, 21.5)).await;
    let seen = listener.next("1/2/3").await;
    assert_eq!(seen.source, individual(host_ia));
    assert_eq!(
        seen.payload,
        [0x00, 0x0C, 0x33],
        "DPT 9.001 21.5 °C on the wire"
    );
    assert_eq!(dpt9_001::from_bytes(&seen.payload), Ok(21.5));
    publish(&EMB, "1/2/6", &encode(dpt14::to_bytes, 1234.5)).await;
    let seen = listener.next("1/2/6").await;
    assert_eq!(seen.source, individual(emb_ia));
    assert_eq!(dpt14::from_bytes(&seen.payload), Ok(1234.5));
    publish(&EMB, "1/2/7", &encode(dpt9_007::to_bytes, 45.0)).await;
    assert_eq!(
        dpt9_007::from_bytes(&listener.next("1/2/7").await.payload),
        Ok(45.0)
    );
    // HOST's write also reached EMB's route through knxd.
    wait_until("EMB received 21.5", || {
        !TEMPERATURES.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(TEMPERATURES.lock().unwrap()[0].0, 21.5);

    // --- knxtool's writes reach our routes; a malformed one is counted.
    let url = knxd.url();
    let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    knxtool(args(&["groupswrite", &url, "1/2/4", "1"])).await;
    knxtool(args(&["groupswrite", &url, "1/2/4", "0"])).await;
    knxtool(args(&["groupwrite", &url, "1/2/5", "80"])).await;
    knxtool(args(&["groupwrite", &url, "1/2/4", "0c", "1a"])).await;
    wait_until("HOST got both switches and counted the bad one", || {
        host.link_stats("1/2/4")
            .is_some_and(|l| l.received == 2 && l.decode_errors == 1)
    })
    .await;
    let switches: Vec<bool> = SWITCHES.lock().unwrap().iter().map(|s| s.0).collect();
    assert_eq!(switches, [true, false]);
    wait_until("EMB got the percentage", || {
        !PERCENTAGES.lock().unwrap().is_empty()
    })
    .await;
    assert!((PERCENTAGES.lock().unwrap()[0] - 50.196).abs() < 0.01);

    // --- Round trip node → knxd → knxtool (stdbuf line-buffered pipe).
    let mut to_knxtool = Vec::new();
    for i in 0..50 {
        let value = 10.0 + i as f32 * 0.01;
        let payload = encode(dpt9_001::to_bytes, value);
        let start = Instant::now();
        publish(host, "1/2/3", &payload).await;
        let seen = listener.next("1/2/3").await;
        assert_eq!(seen.payload, payload);
        to_knxtool.push(seen.at - start);
    }
    // --- Round trip node → knxd → the other tunnel client (EMB's route).
    let mut to_tunnel = Vec::new();
    for i in 0..200 {
        let value = 15.0 + i as f32 * 0.01;
        let before = TEMPERATURES.lock().unwrap().len();
        let start = Instant::now();
        publish(host, "1/2/3", &encode(dpt9_001::to_bytes, value)).await;
        wait_until("EMB received the value", || {
            TEMPERATURES.lock().unwrap().len() > before
        })
        .await;
        let (got, at) = *TEMPERATURES.lock().unwrap().last().unwrap();
        assert_eq!(got, value);
        to_tunnel.push(at - start);
    }
    // --- Sustained: 2,000 telegrams HOST → EMB, in order, none lost.
    let before = TEMPERATURES.lock().unwrap().len();
    let count = 2_000;
    let start = Instant::now();
    for i in 0..count {
        publish(host, "1/2/3", &encode(dpt9_001::to_bytes, i as f32 * 0.01)).await;
    }
    wait_until("EMB received all 2,000", || {
        TEMPERATURES.lock().unwrap().len() >= before + count
    })
    .await;
    let elapsed = start.elapsed();
    let received: Vec<f32> = TEMPERATURES.lock().unwrap()[before..]
        .iter()
        .map(|t| t.0)
        .collect();
    let expected: Vec<f32> = (0..count)
        .map(|i| dpt9_001::from_bytes(&encode(dpt9_001::to_bytes, i as f32 * 0.01)).unwrap())
        .collect();
    assert_eq!(received, expected, "in order, each exactly once");
    let rate = count as f64 / elapsed.as_secs_f64();
    let host_link = host.link_stats("1/2/3").unwrap();
    assert_eq!(
        (host_link.sent, host_link.dropped),
        (1 + 50 + 200 + count as u32, 0),
        "every telegram ACKed"
    );
    assert_eq!(host.stats().confirms, host_link.sent, "and confirmed");
    wait_until("both had a heartbeat answered", || {
        host.stats().heartbeats > 0 && EMB.stats().heartbeats > 0
    })
    .await;
    while listener.lines.try_recv().is_ok() {}

    // --- knxd killed mid-stream and restarted: both reconnect by themselves.
    let streaming = tokio::task::spawn_local(async move {
        let mut i = 0u32;
        loop {
            let value = 30.0 + (i % 500) as f32 * 0.02;
            publish(host, "1/2/3", &encode(dpt9_001::to_bytes, value)).await;
            tokio::time::sleep(Duration::from_millis(10)).await;
            i += 1;
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (host_before, emb_before) = (host.stats(), EMB.stats());
    drop(listener);
    knxd.kill();
    let killed = Instant::now();
    wait_until("both noticed the loss", || {
        !host.stats().connected && !EMB.stats().connected
    })
    .await;
    let noticed = killed.elapsed();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut knxd = Knxd::start(&dir, WAIT);
    let restarted = Instant::now();
    let mut listener = Listener::start(&knxd, WAIT).await;
    wait_until("both reconnected", || {
        let (h, e) = (host.stats(), EMB.stats());
        h.connected
            && e.connected
            && h.reconnects > host_before.reconnects
            && e.reconnects > emb_before.reconnects
    })
    .await;
    let back = restarted.elapsed();
    let count_now = TEMPERATURES.lock().unwrap().len();
    wait_until("the stream flows to EMB again", || {
        TEMPERATURES.lock().unwrap().len() > count_now + 5
    })
    .await;
    streaming.abort();
    let seen = listener.next("1/2/3").await;
    assert_eq!(seen.source, individual(host.stats().address));
    publish(&EMB, "1/2/6", &encode(dpt14::to_bytes, -7.25)).await;
    assert_eq!(
        dpt14::from_bytes(&listener.next("1/2/6").await.payload),
        Ok(-7.25)
    );
    let url = knxd.url();
    knxtool(args(&["groupswrite", &url, "1/2/4", "1"])).await;
    wait_until("HOST got a switch after the restart", || {
        host.link_stats("1/2/4").is_some_and(|l| l.received == 3)
    })
    .await;
    let (host_after, emb_after) = (host.stats(), EMB.stats());
    assert!(host_after.connection_errors > host_before.connection_errors);
    assert!(emb_after.connection_errors > emb_before.connection_errors);

    // --- close: DISCONNECT, and the embassy loop returns.
    EMB.close();
    tokio::time::timeout(WAIT, emb_run)
        .await
        .expect("EMB's loop returned after close")
        .unwrap();
    assert!(!EMB.stats().connected);
    host.close();
    drop(listener);
    knxd.kill();

    // --- Figures.
    let small: KnxConnector<CriticalSectionRawMutex, 8, 8> = KnxConnector::new(KnxConfig::new());
    let connector_ram = std::mem::size_of_val(&small);
    let future_ram = std::mem::size_of_val(&small.run(&mut NullUdp));
    println!(
        "[knx] round trip node -> knxd -> knxtool (groupsocketlisten through a pipe): p50 {:?}, p99 {:?}, max {:?} ({} samples)",
        percentile(&mut to_knxtool, 0.5),
        percentile(&mut to_knxtool, 0.99),
        to_knxtool.last().unwrap(),
        to_knxtool.len()
    );
    println!(
        "[knx] round trip node -> knxd -> second tunnel client (tokio -> embassy loop): p50 {:?}, p99 {:?}, max {:?} ({} samples)",
        percentile(&mut to_tunnel, 0.5),
        percentile(&mut to_tunnel, 0.99),
        to_tunnel.last().unwrap(),
        to_tunnel.len()
    );
    println!(
        "[knx] sustained: {count} telegrams in {elapsed:?} = {rate:.0} telegrams/s (each ACKed and confirmed before the next)"
    );
    println!(
        "[knx] knxd killed: loss noticed in {noticed:?}; after the restart both tunnels back in {back:?} (HOST {} reconnects, EMB {})",
        host_after.reconnects, emb_after.reconnects
    );
    println!(
        "[knx] embassy connector RAM (on this host, 8-byte pointers; the static is 704 B on thumbv7em): static KnxConnector<CriticalSectionRawMutex, 8 telegrams, 8 links> = {connector_ram} B; its run() future (task) = {future_ram} B + the UdpSocket's"
    );
    println!("[knx] HOST {:?}", host.stats());
    println!("[knx] EMB  {:?}", EMB.stats());
    assert!(connector_ram < 1024 && future_ram < 1024);
    let _ = std::fs::remove_dir_all(&dir);
}
