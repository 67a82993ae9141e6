//! What a host connector tells an operator (`trace.rs`): a `tcp://` connector dialing a
//! peer that is not there yet, then there, then gone, emits `tracing` events under target
//! `aimdb::kit` with the scheme and the peer's address as fields: `connected` once the
//! peer listens, `connection lost` when it leaves. Captured by a subscriber written here
//! (no tracing-subscriber needed). Only 127.0.0.1, ports the OS picks, bounded waits.

use std::net::TcpListener;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aimdb_connectors::tcp::{Backoff, TcpConnector};
use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::Connector;
use aimdb_core::mutex::StdRawMutex;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// One captured event: target, level, message and every other field as `name=value`.
#[derive(Clone, Debug)]
struct Captured {
    target: String,
    level: tracing::Level,
    message: String,
    fields: Vec<String>,
}

static EVENTS: Mutex<Vec<Captured>> = Mutex::new(Vec::new());

struct Capture;

struct Fields<'a>(&'a mut Captured);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0.message = format!("{value:?}");
        } else {
            self.0.fields.push(format!("{}={value:?}", field.name()));
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.fields.push(format!("{}={value}", field.name()));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("aimdb")
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut captured = Captured {
            target: event.metadata().target().to_owned(),
            level: *event.metadata().level(),
            message: String::new(),
            fields: Vec::new(),
        };
        event.record(&mut Fields(&mut captured));
        EVENTS.lock().unwrap().push(captured);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

type Tcp = TcpConnector<StdRawMutex, 8, 64>;
static DIALER: Tcp = Tcp::new();

/// Wait until an event satisfying `want` was captured; return it.
async fn until_event(what: &str, want: impl Fn(&Captured) -> bool) -> Captured {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(found) = EVENTS.lock().unwrap().iter().find(|e| want(e)).cloned() {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "no `{what}` event; got {:?}",
            EVENTS.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dialing_connector_says_when_it_connects_and_when_it_loses_the_peer_with_the_address() {
    tracing::subscriber::set_global_default(Capture).unwrap();
    // A port nobody listens on yet: the connector's first attempts fail quietly (debug).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = listener.local_addr().unwrap().to_string();
    drop(listener);
    let address: &'static str = Box::leak(format!("{endpoint}/plant/reading").into_boxed_str());
    DIALER.register_outbound(address, BufferKind::SpmcRing { capacity: 8 });
    tokio::spawn(DIALER.dial(Backoff {
        min: Duration::from_millis(50),
        max: Duration::from_millis(200),
    }));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !EVENTS
            .lock()
            .unwrap()
            .iter()
            .any(|e| e.message == "connected"),
        "connected to nobody"
    );

    // The peer listens: one `connected`, at info, naming the scheme and the endpoint.
    let listener = TcpListener::bind(&endpoint).unwrap();
    let (stream, _) = tokio::task::spawn_blocking(move || listener.accept().unwrap())
        .await
        .unwrap();
    let connected = until_event("connected", |e| e.message == "connected").await;
    assert_eq!(connected.target, "aimdb::kit");
    assert_eq!(connected.level, tracing::Level::INFO);
    assert!(
        connected.fields.contains(&"scheme=tcp".to_owned()),
        "{connected:?}"
    );
    assert!(
        connected.fields.contains(&format!("address={endpoint}")),
        "{connected:?}"
    );

    // The peer leaves: `connection lost`, at warn, same fields.
    drop(stream);
    let lost = until_event("lost", |e| e.message.starts_with("connection lost")).await;
    assert_eq!(lost.level, tracing::Level::WARN);
    assert!(
        lost.fields.contains(&format!("address={endpoint}")),
        "{lost:?}"
    );
}
