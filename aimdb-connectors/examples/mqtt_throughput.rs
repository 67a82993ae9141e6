//! Host MQTT throughput through mosquitto: the aimdb connector next to plain rumqttc doing
//! the same publishes, in the same run, plus allocations per value.
//!
//! ```text
//! cargo run --release -p aimdb-connectors --features mqtt-tokio --example mqtt_throughput [-- VALUES]
//! ```
//!
//! Each measurement sends VALUES (default 20,000) 64-byte payloads end to end, publisher to
//! subscriber, both in this process, through a private mosquitto on a free 127.0.0.1 port:
//! - plain: a rumqttc publisher task (`AsyncClient::publish`) and a rumqttc subscriber that
//!   counts what arrives;
//! - aimdb: a `link_to` record (a static `SpmcRing`) whose link task serializes, waits on
//!   `poll_ready` and publishes through `MqttConnector`, and a second `MqttConnector` whose
//!   inbound route decodes and produces into a `link_from` record read by a consumer task.
//!
//! Rounds alternate plain/aimdb; the median of 5 is printed. Allocations come from a
//! counting global allocator: per value end to end (everything in the process, rumqttc
//! included) and per value in the connector's own code path alone, measured on a thread
//! that runs only that path (outbound: produce → serialize → poll_ready → publish;
//! inbound: route → deserialize → produce → consume).

#[path = "../tests/support/broker.rs"]
mod broker;
#[path = "../tests/support/glue.rs"]
mod glue;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use aimdb_connectors::mqtt::{MqttConfig, MqttConnector, QoS};
use aimdb_core::connector::{CodecError, Connector, InboundRoute};
use aimdb_core::mutex::StdRawMutex;
use aimdb_core::{Consumer, Producer, SpmcRing};
use rumqttc::{AsyncClient, Event, Incoming, MqttOptions};

// ---- counting allocator -----------------------------------------------------------------

struct Counting;
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
thread_local! {
    static THREAD_ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; the counters touch no heap.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        let _ = THREAD_ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        let _ = THREAD_ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn thread_allocations() -> u64 {
    THREAD_ALLOCATIONS.with(Cell::get)
}

// ---- the record and its codec -----------------------------------------------------------

const PAYLOAD: usize = 64;

fn encode(seq: &u64, out: &mut [u8]) -> Result<usize, CodecError> {
    let out = out.get_mut(..PAYLOAD).ok_or(CodecError::Oversize)?;
    out[..8].copy_from_slice(&seq.to_le_bytes());
    out[8..].fill(b'.');
    Ok(PAYLOAD)
}

fn decode(payload: &[u8]) -> Result<u64, CodecError> {
    match payload {
        [seq @ .., _] if payload.len() == PAYLOAD => {
            Ok(u64::from_le_bytes(seq[..8].try_into().unwrap()))
        }
        _ => Err(CodecError::Malformed),
    }
}

static OUTBOX: SpmcRing<StdRawMutex, u64, 65536, 1> = SpmcRing::new();
static INBOX: SpmcRing<StdRawMutex, u64, 65536, 1> = SpmcRing::new();

fn deliver(payload: &[u8]) -> Result<(), CodecError> {
    Producer::new(&INBOX).produce(decode(payload)?);
    Ok(())
}

fn leak_str(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn qos_number(qos: QoS) -> u8 {
    qos as u8
}

/// One measurement: elapsed time, values that arrived, allocations during the run.
struct Run {
    elapsed: Duration,
    received: u64,
    allocations: u64,
}

// ---- plain rumqttc ----------------------------------------------------------------------

async fn plain(port: u16, qos: QoS, values: u64, round: u32) -> Run {
    let topic = format!("bench/plain/{}/{round}", qos_number(qos));
    let options = |id: &str| {
        let mut options = MqttOptions::new(
            format!("{id}-{}-{round}", qos_number(qos)),
            "127.0.0.1",
            port,
        );
        options.set_keep_alive(Duration::from_secs(30));
        options
    };
    let (sub, mut sub_events) = AsyncClient::new(options("plain-sub"), 64);
    let (pub_client, mut pub_events) = AsyncClient::new(options("plain-pub"), 64);
    sub.subscribe(topic.clone(), qos).await.unwrap();
    let (subscribed_tx, subscribed) = tokio::sync::oneshot::channel();
    let (done_tx, done) = tokio::sync::oneshot::channel();
    let receiver = tokio::spawn(async move {
        let mut subscribed_tx = Some(subscribed_tx);
        let mut received = 0u64;
        loop {
            match sub_events.poll().await {
                Ok(Event::Incoming(Incoming::SubAck(_))) => {
                    subscribed_tx.take().map(|tx| tx.send(()));
                }
                Ok(Event::Incoming(Incoming::Publish(publish))) => {
                    let seq = decode(&publish.payload).unwrap();
                    assert!(
                        qos == QoS::AtMostOnce || seq == received,
                        "plain: out of order"
                    );
                    received += 1;
                    if received == values {
                        let _ = done_tx.send(received);
                        return;
                    }
                }
                Ok(_) => {}
                Err(error) => panic!("plain subscriber: {error}"),
            }
        }
    });
    let (connected_tx, connected) = tokio::sync::oneshot::channel();
    let sender = tokio::spawn(async move {
        let mut connected_tx = Some(connected_tx);
        loop {
            match pub_events.poll().await {
                Ok(Event::Incoming(Incoming::ConnAck(_))) => {
                    connected_tx.take().map(|tx| tx.send(()));
                }
                Ok(_) => {}
                Err(error) => panic!("plain publisher: {error}"),
            }
        }
    });
    subscribed.await.unwrap();
    connected.await.unwrap();

    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    let start = Instant::now();
    let mut buf = [0u8; PAYLOAD];
    for seq in 0..values {
        let len = encode(&seq, &mut buf).unwrap();
        pub_client
            .publish(topic.as_str(), qos, false, &buf[..len])
            .await
            .unwrap();
    }
    let received = tokio::time::timeout(Duration::from_secs(30), done)
        .await
        .map(|r| r.unwrap())
        .unwrap_or(0);
    let run = Run {
        elapsed: start.elapsed(),
        received,
        allocations: ALLOCATIONS.load(Ordering::Relaxed) - allocations,
    };
    receiver.abort();
    sender.abort();
    run
}

// ---- through the aimdb connector --------------------------------------------------------

fn connector(port: u16, id: String) -> &'static MqttConnector {
    let mut config = MqttConfig::new("127.0.0.1", port, id);
    config.max_payload = 1024;
    MqttConnector::start(config).unwrap()
}

async fn aimdb(port: u16, qos: QoS, values: u64, round: u32) -> Run {
    let q = qos_number(qos);
    let address = leak_str(format!("bench/aimdb/{q}/{round}?qos={q}"));
    let routes: &'static [InboundRoute] = Box::leak(Box::new([InboundRoute { address, deliver }]));
    let receiver = connector(port, format!("aimdb-sub-{q}-{round}"));
    let sender = connector(port, format!("aimdb-pub-{q}-{round}"));
    let mut inbox = Consumer::subscribe(&INBOX).unwrap();
    receiver.attach(routes);
    let outbox = Consumer::subscribe(&OUTBOX).unwrap();
    let link = tokio::spawn(glue::link_to(outbox, encode, sender, address));
    glue::wait_until("connected and subscribed", Duration::from_secs(10), || {
        receiver.stats().subscribe_acks >= 1 && sender.stats().connected
    })
    .await;
    let (done_tx, done) = tokio::sync::oneshot::channel();
    let reader = tokio::spawn(async move {
        let mut received = 0u64;
        while let Ok(seq) = inbox.recv().await {
            assert!(
                qos == QoS::AtMostOnce || seq == received,
                "aimdb: out of order"
            );
            received += 1;
            if received == values {
                break;
            }
        }
        let _ = done_tx.send(received);
    });

    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    let start = Instant::now();
    let producer = Producer::new(&OUTBOX);
    for seq in 0..values {
        producer.produce(seq);
    }
    let received = tokio::time::timeout(Duration::from_secs(30), done)
        .await
        .map(|r| r.unwrap())
        .unwrap_or(0);
    let run = Run {
        elapsed: start.elapsed(),
        received,
        allocations: ALLOCATIONS.load(Ordering::Relaxed) - allocations,
    };
    reader.abort();
    link.abort();
    run
}

// ---- allocations in the connector's own path --------------------------------------------

/// Allocations per value on a thread that runs only our code: outbound (produce, take,
/// serialize, poll_ready, publish into the queue; the pump and rumqttc run on the runtime's
/// threads) and inbound (route, deserialize, produce, consume).
fn own_path_allocations(port: u16, values: u64) -> (f64, f64) {
    static OWN_OUT: SpmcRing<StdRawMutex, u64, 16, 1> = SpmcRing::new();
    let sender = connector(port, "aimdb-own-pub".into());
    let receiver = connector(port, "aimdb-own-sub".into());
    let address = "bench/own?qos=0";
    static OWN_ROUTES: [InboundRoute; 1] = [InboundRoute {
        address: "bench/own-in?qos=0",
        deliver,
    }];
    receiver.attach(&OWN_ROUTES);
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let mut outbox = Consumer::subscribe(&OWN_OUT).unwrap();
                let mut inbox = Consumer::subscribe(&INBOX).unwrap();
                let producer = Producer::new(&OWN_OUT);
                let mut cx = Context::from_waker(Waker::noop());
                let mut buf = [0u8; 256];
                let mut outbound = |seq: u64| {
                    producer.produce(seq);
                    let value = outbox.try_recv().unwrap();
                    let len = encode(&value, &mut buf).unwrap();
                    while sender.poll_ready(&mut cx) == Poll::Pending {
                        std::thread::yield_now();
                    }
                    sender.publish(address, &buf[..len]).unwrap();
                };
                outbound(0); // first use registers the link (allocates once)
                let before = thread_allocations();
                for seq in 1..=values {
                    outbound(seq);
                }
                let out = (thread_allocations() - before) as f64 / values as f64;

                let mut payload = [0u8; PAYLOAD];
                let before = thread_allocations();
                for seq in 0..values {
                    encode(&seq, &mut payload).unwrap();
                    receiver.dispatch_inbound("bench/own-in", &payload);
                    assert_eq!(inbox.try_recv(), Ok(seq));
                }
                let inbound = (thread_allocations() - before) as f64 / values as f64;
                (out, inbound)
            })
            .join()
            .unwrap()
    })
}

// ---- report -----------------------------------------------------------------------------

fn median(mut runs: Vec<Run>) -> Run {
    runs.sort_by_key(|run| run.elapsed);
    runs.swap_remove(runs.len() / 2)
}

fn rate(run: &Run) -> f64 {
    run.received as f64 / run.elapsed.as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let values: u64 = std::env::args()
        .nth(1)
        .map(|arg| arg.parse().expect("VALUES must be a number"))
        .unwrap_or(20_000);
    assert!(values <= 65_536, "VALUES must fit the 65,536-value rings");
    let broker = broker::Broker::start();
    println!(
        "mosquitto on 127.0.0.1:{}; {values} values of {PAYLOAD} B per run; median of 5",
        broker.port
    );
    println!(
        "{:<6} {:<7} {:>12} {:>10} {:>12} {:>15}",
        "qos", "path", "values/s", "received", "ms", "allocs/value"
    );
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce] {
        let (mut plain_runs, mut aimdb_runs) = (Vec::new(), Vec::new());
        for round in 0..5 {
            plain_runs.push(plain(broker.port, qos, values, round).await);
            aimdb_runs.push(aimdb(broker.port, qos, values, round).await);
        }
        let (plain_run, aimdb_run) = (median(plain_runs), median(aimdb_runs));
        for (name, run) in [("plain", &plain_run), ("aimdb", &aimdb_run)] {
            println!(
                "{:<6} {:<7} {:>12.0} {:>10} {:>12.1} {:>15.2}",
                qos_number(qos),
                name,
                rate(run),
                run.received,
                run.elapsed.as_secs_f64() * 1e3,
                run.allocations as f64 / values as f64
            );
        }
        println!(
            "       aimdb/plain throughput: {:.1}%",
            100.0 * rate(&aimdb_run) / rate(&plain_run)
        );
    }
    let (out, inbound) = own_path_allocations(broker.port, values);
    println!(
        "allocations per value in the connector's own path: outbound {out:.3}, inbound {inbound:.3}"
    );
}
