//! The embassy MQTT connector's record families against a real mosquitto, run on the host
//! (embassy-time's std driver, a tokio TCP stream): one family route
//! (`Connector::attach_family`, filter `zone/+/value`, instances `a`, `b`, `c`) is one
//! subscription; values published on each instance's topic arrive in that instance's buffer,
//! in order; an undeclared instance (`zone/x/value`) is refused and counted as
//! `unknown_instance`, never delivered; a payload the route cannot decode is a decode error
//! of the family's link; an exact route beside the family still gets its own topic.

#[path = "support/broker.rs"]
mod broker;

use std::time::{Duration, Instant};

use aimdb_connectors::mqtt_embassy::{Dial, MqttConfig, MqttConnector};
use aimdb_core::connector::{CodecError, Connector, FamilyRoute, InboundRoute};
use aimdb_core::mutex::StdRawMutex;
use aimdb_core::{Consumer, RecordBuffer, SpmcRing};
use broker::{Broker, mosquitto_pub};
use embedded_io_adapters::tokio_1::FromTokio;
use tokio::net::TcpStream;
use tokio::time::timeout;

const WAIT: Duration = Duration::from_secs(20);

static NODE: MqttConnector<StdRawMutex, 16, 16> = MqttConnector::new(MqttConfig {
    keep_alive: embassy_time::Duration::from_secs(2),
    ..MqttConfig::new("embassy-family-observer")
});

/// One buffer per instance, in the family's order: `a`, `b`, `c`.
static ZONES: [SpmcRing<StdRawMutex, u32, 16, 1>; 3] =
    [SpmcRing::new(), SpmcRing::new(), SpmcRing::new()];
/// The instances sorted by name, each with its buffer's index.
static SORTED: [(&str, usize); 3] = [("a", 0), ("b", 1), ("c", 2)];

fn parse(payload: &[u8]) -> Result<u32, CodecError> {
    let text = core::str::from_utf8(payload).map_err(|_| CodecError::Malformed)?;
    text.parse().map_err(|_| CodecError::Malformed)
}

static FAMILIES: [FamilyRoute; 1] = [FamilyRoute {
    filter: "zone/+/value?qos=1",
    level: 1,
    instances: &SORTED,
    deliver: |instance, payload| {
        ZONES
            .get(instance)
            .ok_or(CodecError::Malformed)?
            .produce(parse(payload)?);
        Ok(())
    },
}];

static COMMAND: SpmcRing<StdRawMutex, u32, 4, 1> = SpmcRing::new();

static ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: "zone/all/command",
    deliver: |payload| {
        COMMAND.produce(parse(payload)?);
        Ok(())
    },
}];

static PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);

struct Tcp;

impl Dial for Tcp {
    type Stream<'a> = FromTokio<TcpStream>;

    fn dial(&mut self) -> impl Future<Output = Option<FromTokio<TcpStream>>> {
        let port = PORT.load(std::sync::atomic::Ordering::SeqCst);
        async move {
            let stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
            stream.set_nodelay(true).ok()?;
            Some(FromTokio::new(stream))
        }
    }
}

async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting until {what}: {:?} {:?}",
            NODE.stats(),
            NODE.link_stats("zone/+/value")
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_family_is_one_subscription_routed_per_instance() {
    let local = tokio::task::LocalSet::new();
    local.run_until(scenario()).await;
}

async fn scenario() {
    let broker = Broker::start();
    PORT.store(broker.port, std::sync::atomic::Ordering::SeqCst);
    NODE.attach(&ROUTES);
    NODE.attach_family(&FAMILIES);
    let mut zones: Vec<_> = ZONES
        .iter()
        .map(|z| Consumer::subscribe(z).unwrap())
        .collect();
    let mut command = Consumer::subscribe(&COMMAND).unwrap();
    tokio::task::spawn_local(async move {
        let mut buffer = [0u8; 512];
        NODE.run(&mut Tcp, &mut buffer).await
    });
    // The exact route and the family: two subscriptions, however many instances.
    wait_until("subscribed", || NODE.stats().subscribe_acks == 2).await;
    assert_eq!(NODE.stats().invalid_links, 0);

    for (topic, value) in [
        ("zone/a/value", "1"),
        ("zone/c/value", "30"),
        ("zone/x/value", "99"),
        ("zone/a/value", "2"),
        ("zone/b/value", "20"),
        ("zone/b/value", "not a number"),
        ("zone/all/command", "7"),
    ] {
        mosquitto_pub(broker.port, topic, value);
    }
    let mut got = Vec::new();
    for (zone, want) in [(0, 2), (1, 1), (2, 1)] {
        let mut values = Vec::new();
        for _ in 0..want {
            values.push(timeout(WAIT, zones[zone].recv()).await.unwrap().unwrap());
        }
        got.push(values);
    }
    assert_eq!(got, [vec![1, 2], vec![20], vec![30]]);
    assert_eq!(timeout(WAIT, command.recv()).await.unwrap(), Ok(7));
    wait_until("every publish seen", || {
        let link = NODE.link_stats("zone/+/value").unwrap_or_default();
        link.unknown_instance == 1 && link.decode_errors == 1
    })
    .await;
    let link = NODE.link_stats("zone/+/value").unwrap();
    assert_eq!(
        (link.received, link.decode_errors, link.unknown_instance),
        (4, 1, 1),
        "{link:?}"
    );
    assert_eq!(NODE.link_stats("zone/all/command").unwrap().received, 1);
    assert_eq!(NODE.stats().unrouted, 0);
    // Nothing else in any zone: the undeclared instance's value went nowhere.
    for zone in &mut zones {
        assert!(
            timeout(Duration::from_millis(100), zone.recv())
                .await
                .is_err()
        );
    }
}
