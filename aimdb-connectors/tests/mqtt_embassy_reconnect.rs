//! The embassy MQTT connector against a real mosquitto, run on the host (embassy-time's std
//! driver, a tokio TCP stream through embedded-io-adapters): values out in order at QoS 1
//! and a command in; the broker killed and restarted: the connector reconnects and
//! re-subscribes by itself (counters show it) and both directions work again; a malformed
//! inbound payload is counted and skipped. The node observes at QoS 1, so it keeps its
//! session: with the node away and the broker restarted from its store, commands published
//! meanwhile wait at the broker and arrive when the node is back.

#[path = "support/broker.rs"]
mod broker;

use std::future::poll_fn;
use std::time::{Duration, Instant};

use aimdb_connectors::mqtt_embassy::{Dial, MqttConfig, MqttConnector};
use aimdb_core::connector::{CodecError, Connector, InboundRoute};
use aimdb_core::mutex::StdRawMutex;
use aimdb_core::{Consumer, RecordBuffer, SpmcRing};
use broker::{Broker, mosquitto_pub};
use embedded_io_adapters::tokio_1::FromTokio;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(20);

static NODE: MqttConnector<StdRawMutex, 64, 16> = MqttConnector::new(MqttConfig {
    keep_alive: embassy_time::Duration::from_secs(2),
    backoff_min: embassy_time::Duration::from_millis(50),
    backoff_max: embassy_time::Duration::from_millis(400),
    ..MqttConfig::new("embassy-node")
});

static COMMAND: SpmcRing<StdRawMutex, u32, 16, 1> = SpmcRing::new();

static ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: "cmd/in?qos=1",
    deliver: |payload| {
        let text = core::str::from_utf8(payload).map_err(|_| CodecError::Malformed)?;
        let value = text.parse().map_err(|_| CodecError::Malformed)?;
        COMMAND.produce(value);
        Ok(())
    },
}];

/// A new TCP connection to the broker at [`PORT`] for every session.
struct Tcp;

/// The port of the broker [`Tcp`] dials.
static PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);

/// While set, [`Tcp`] refuses to dial: the node is away.
static AWAY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl Dial for Tcp {
    type Stream<'a> = FromTokio<TcpStream>;

    fn dial(&mut self) -> impl Future<Output = Option<FromTokio<TcpStream>>> {
        let port = PORT.load(std::sync::atomic::Ordering::SeqCst);
        async move {
            if AWAY.load(std::sync::atomic::Ordering::SeqCst) {
                return None;
            }
            let stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
            stream.set_nodelay(true).ok()?;
            Some(FromTokio::new(stream))
        }
    }
}

/// A plain rumqttc subscriber to `node/out`, ready (SUBACK received) when returned.
async fn observer(port: u16, id: &str) -> (AsyncClient, mpsc::UnboundedReceiver<u32>) {
    let mut options = MqttOptions::new(id, "127.0.0.1", port);
    options.set_keep_alive(Duration::from_secs(5));
    let (client, mut events) = AsyncClient::new(options, 64);
    client
        .subscribe("node/out", QoS::AtLeastOnce)
        .await
        .unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let (ready_tx, ready) = tokio::sync::oneshot::channel();
    let mut ready_tx = Some(ready_tx);
    tokio::task::spawn_local(async move {
        while let Ok(event) = events.poll().await {
            match event {
                Event::Incoming(Packet::SubAck(_)) => {
                    if let Some(ready) = ready_tx.take() {
                        let _ = ready.send(());
                    }
                }
                Event::Incoming(Packet::Publish(publish)) => {
                    let text = std::str::from_utf8(&publish.payload).unwrap();
                    let _ = tx.send(text.parse().unwrap());
                }
                _ => {}
            }
        }
    });
    timeout(WAIT, ready).await.unwrap().unwrap();
    (client, rx)
}

async fn publish_range(range: std::ops::Range<u32>) {
    for value in range {
        poll_fn(|cx| NODE.poll_ready(cx)).await;
        NODE.publish("node/out?qos=1", value.to_string().as_bytes())
            .unwrap();
    }
}

async fn expect_range(rx: &mut mpsc::UnboundedReceiver<u32>, range: std::ops::Range<u32>) {
    for expected in range {
        let value = timeout(WAIT, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("value {expected} not seen; {:?}", NODE.stats()));
        assert_eq!(value, Some(expected));
    }
}

async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting until {what}: {:?}",
            NODE.stats()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn reconnects_and_resubscribes_after_a_broker_restart() {
    let local = tokio::task::LocalSet::new();
    local.run_until(scenario()).await;
}

async fn scenario() {
    let mut broker = Broker::start();
    let port = broker.port;
    PORT.store(port, std::sync::atomic::Ordering::SeqCst);
    NODE.attach(&ROUTES);
    let mut commands = Consumer::subscribe(&COMMAND).unwrap();
    tokio::task::spawn_local(async move {
        let mut buffer = [0u8; 512];
        NODE.run(&mut Tcp, &mut buffer).await
    });
    wait_until("subscribed", || NODE.stats().subscribe_acks == 1).await;

    let (_first, mut seen) = observer(port, "observer-1").await;
    publish_range(0..500).await;
    expect_range(&mut seen, 0..500).await;
    mosquitto_pub(port, "cmd/in", "7");
    mosquitto_pub(port, "cmd/in", "not a number");
    mosquitto_pub(port, "cmd/in", "8");
    for expected in [7, 8] {
        assert_eq!(timeout(WAIT, commands.recv()).await.unwrap(), Ok(expected));
    }
    let link = NODE.link_stats("cmd/in").unwrap();
    assert_eq!((link.received, link.decode_errors), (2, 1));
    wait_until("all acknowledged", || NODE.stats().publish_acks == 500).await;

    broker.kill();
    wait_until("the loss noticed", || !NODE.stats().connected).await;
    broker.restart();
    wait_until("reconnected and resubscribed", || {
        let stats = NODE.stats();
        stats.connected && stats.reconnects == 1 && stats.subscribe_acks == 2
    })
    .await;

    let (_second, mut seen) = observer(port, "observer-2").await;
    publish_range(500..1000).await;
    expect_range(&mut seen, 500..1000).await;
    mosquitto_pub(port, "cmd/in", "9");
    assert_eq!(timeout(WAIT, commands.recv()).await.unwrap(), Ok(9));
    let stats = NODE.stats();
    assert!(stats.connection_errors >= 1, "{stats:?}");
    let out = NODE.link_stats("node/out").unwrap();
    assert_eq!((out.sent, out.dropped), (1000, 0));

    // A broker that persists sessions (as scripts/broker.sh runs it); the node moves to it.
    let mut kept = Broker::start_persistent();
    PORT.store(kept.port, std::sync::atomic::Ordering::SeqCst);
    drop(broker);
    wait_until("subscribed at the persistent broker", || {
        let stats = NODE.stats();
        stats.connected && stats.subscribe_acks == 3
    })
    .await;
    // The node away (its dialer refuses) while the broker restarts from its store: its
    // kept session (MQTT 5 session expiry, no clean start) holds what is published for it.
    AWAY.store(true, std::sync::atomic::Ordering::SeqCst);
    kept.kill();
    wait_until("the loss noticed", || !NODE.stats().connected).await;
    kept.restart();
    for command in 10..20 {
        mosquitto_pub(kept.port, "cmd/in", &command.to_string());
    }
    AWAY.store(false, std::sync::atomic::Ordering::SeqCst);
    for expected in 10..20 {
        let command = timeout(WAIT, commands.recv()).await;
        assert_eq!(
            command.map_err(|_| NODE.stats()),
            Ok(Ok(expected)),
            "published while the node was away"
        );
    }
}
