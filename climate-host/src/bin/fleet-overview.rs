//! The fleet's `overview` node (`topologies/fleet.toml`): the page over the fleet. It
//! observes the reading family (one wildcard subscription, one buffer per zone), serves the
//! page with the family as a grid of zones, each with its latest value and its liveness
//! (forwarded from what its MQTT connector hears of every sensor instance), and derives the
//! fleet's summary (the warmest zone, how many zones reported) with a join over the family.
//!
//! ```sh
//! fleet-overview --broker 127.0.0.1:1883 [--web 127.0.0.1:8090]
//! ```
//!
//! The page: `http://127.0.0.1:8090/` (`?stale=MS`: how old a value may get before its zone
//! says stale; default 5 s).

use std::time::Duration;

use aimdb::Producer;
use aimdb::connectors::mqtt::{MqttConfig, MqttConnector};
use aimdb::connectors::ws::{WsConfig, WsConnector, WsFamily};
use climate_model::{FleetSummary, Temperature, Zones};

aimdb::topology!(file = "../topologies/fleet.toml", node = "overview");

/// The join over the family: every zone's reading, told its zone; the summary after each.
async fn summarize_zones(mut rx: overview::SummaryRx, producer: Producer<'static, FleetSummary>) {
    let mut zones = Zones::<{ overview::READING_INSTANCES.len() }>::new();
    while let Ok(trigger) = rx.recv().await {
        let overview::SummaryInput::Reading(instance, reading) = trigger.into_inner();
        let Some(index) = overview::reading_index(instance) else {
            continue;
        };
        if let Some(summary) = zones.update(index, reading.celsius) {
            producer.produce(summary).await;
        }
    }
}

fn usage() -> ! {
    eprintln!("usage: fleet-overview --broker HOST:PORT [--web HOST:PORT]");
    std::process::exit(2)
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        argv.iter()
            .position(|a| a == name)
            .and_then(|at| argv.get(at + 1).cloned())
    };
    let broker = value("--broker").unwrap_or_else(|| usage());
    let broker = climate_host::resolve(&broker).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let web = value("--web").unwrap_or_else(|| "127.0.0.1:8090".to_owned());
    let web = climate_host::resolve(&web).unwrap_or_else(|e| {
        eprintln!("--web: {e}");
        std::process::exit(2)
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let config = MqttConfig::new(broker.ip().to_string(), broker.port(), overview::NODE)
            .with_liveness(overview::LIVENESS, overview::OBSERVED_LIVENESS);
        let mqtt = MqttConnector::start(config).expect("valid config");
        let mut config = WsConfig::new(web);
        config.title = "fleet · overview".to_owned();
        config.families = vec![WsFamily::of_nodes(
            "climate/{instance}/reading",
            &overview::READING_INSTANCES,
            &overview::READING_NODES,
        )];
        // Rendered from the topology file at build time (build.rs).
        config.graph = Some(include_str!(concat!(env!("OUT_DIR"), "/fleet-graph.json")).to_owned());
        let ws = WsConnector::start(config).unwrap_or_else(|e| {
            eprintln!("web page: {e}");
            std::process::exit(1)
        });
        println!("[overview] the page: {}", ws.masked_page_url());
        tokio::spawn(overview::run(overview::Links { mqtt, ws }));
        // Each zone's liveness, as the MQTT connector hears it, to the page.
        let mut ticker = tokio::time::interval(Duration::from_millis(250));
        loop {
            ticker.tick().await;
            for topic in overview::OBSERVED_LIVENESS {
                let node = aimdb::address::mqtt::liveness_node(topic).unwrap_or(topic);
                ws.set_node_online(node, mqtt.node_online(topic));
            }
        }
    })
}
