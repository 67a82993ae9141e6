//! Node instances and record families (`instances.rs`), without rustc: the shipped fleet,
//! the per-instance checks on small inline files, and what the emitter makes of them.

use crate::check_file as check_source;
use crate::model::template::{family_filter, placeholders, substitute};

const FLEET: &str = include_str!("../../../topologies/fleet.toml");

fn messages(source: &str) -> Vec<String> {
    check_source(source)
        .1
        .into_iter()
        .map(|d| d.message)
        .collect()
}

/// A fleet: `sensor` with `instances`, a second writer node, a dashboard over the family.
fn fleet(sensor: &str, other: &str, dashboard_url: &str) -> String {
    format!(
        r#"
[records.reading]
key = "climate/{{instance}}/reading"
type = "Temperature"

[nodes.sensor]
runtime = "tokio"
{sensor}

[nodes.sensor.records.reading]
buffer = "SingleLatest"
source = "read"
link_to = {{ url = "mqtt://climate/{{instance}}/reading", codec = "postcard" }}
{other}
[nodes.dashboard]
runtime = "tokio"

[nodes.dashboard.records.reading]
buffer = "SingleLatest"
taps = ["render"]
link_from = {{ url = "{dashboard_url}", codec = "postcard" }}
"#
    )
}

#[test]
fn the_shipped_fleet_has_200_instances_and_a_family() {
    let (system, diagnostics) = check_source(FLEET);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let system = system.unwrap();
    let sensor = &system.nodes[0].topology;
    assert_eq!(sensor.node.instances.len(), 200);
    assert_eq!(sensor.node.instances[199], "199");
    let link = &sensor.records[0].links_to[0].url;
    assert_eq!(link.template.as_deref(), Some("climate/{instance}/reading"));
    assert_eq!(link.address, "climate/0/reading");
    let dashboard = &system.nodes[1].topology;
    assert!(dashboard.node.instances.is_empty());
    assert_eq!(dashboard.records[0].family.len(), 200);
    assert_eq!(
        dashboard.records[0].links_from[0].url.address,
        "climate/+/reading"
    );
    // The dashboard follows every instance's liveness.
    let observed = crate::model::liveness::observed_nodes(&system, &system.nodes[1]);
    assert_eq!(observed, ["sensor"]);
}

#[test]
fn instances_are_named_or_counted_once() {
    let both = fleet(
        "instances = [\"a\"]\ncount = 2",
        "",
        "mqtt://climate/{instance}/reading",
    );
    assert_eq!(
        messages(&both),
        ["node `sensor` has both `instances` and `count`"]
    );
    let bad = fleet(
        "instances = [\"a/b\", \"c\", \"c\"]",
        "",
        "mqtt://climate/{instance}/reading",
    );
    assert_eq!(
        messages(&bad),
        [
            "the instance name \"a/b\" of node `sensor` is not a single address level",
            "node `sensor` declares the instance \"c\" twice",
        ]
    );
    let zero = fleet("count = 0", "", "mqtt://climate/{instance}/reading");
    assert_eq!(
        messages(&zero),
        ["`count` of node `sensor` is not a number of instances"]
    );
}

#[test]
fn two_instanced_writers_collide_per_instance() {
    let other = r#"
[nodes.backup]
runtime = "tokio"
instances = ["b", "x"]

[nodes.backup.records.reading]
buffer = "SingleLatest"
link_to = { url = "mqtt://climate/{instance}/reading", codec = "postcard" }
"#;
    let source = fleet(
        "instances = [\"a\", \"b\"]",
        other,
        "mqtt://climate/{instance}/reading",
    );
    let found = messages(&source);
    assert!(
        found.contains(&"link address \"mqtt://climate/b/reading\" is written by two nodes: `backup[b]` (record `reading`) and `sensor[b]` (record `reading`)".to_owned()),
        "{found:#?}"
    );
}

#[test]
fn a_family_is_read_with_a_whole_level_placeholder() {
    let ok = fleet(
        "instances = [\"a\", \"b\"]",
        "",
        "mqtt://climate/{instance}/reading?qos=1",
    );
    assert_eq!(messages(&ok), Vec::<String>::new());
    let inside = fleet(
        "instances = [\"a\", \"b\"]",
        "",
        "mqtt://climate/zone-{instance}/reading",
    );
    assert_eq!(
        messages(&inside),
        [
            "the family link \"mqtt://climate/zone-{instance}/reading\" has `{instance}` inside an address level"
        ]
    );
    assert_eq!(
        family_filter("a/{instance}/c?qos=1"),
        Some(("a/+/c?qos=1".into(), 1))
    );
    assert_eq!(family_filter("a/{index}"), Some(("a/+".into(), 1)));
    assert_eq!(family_filter("a/{instance}/{index}"), None);
    assert_eq!(placeholders("a/{zone}"), Err("{zone}".into()));
    assert_eq!(placeholders("a/{instance}"), Ok(true));
    assert_eq!(substitute("z/{instance}/{index}", "k", 3), "z/k/3");
}

#[test]
fn an_instanced_node_emits_its_instance_and_an_observer_its_family() {
    let (system, diagnostics) = check_source(FLEET);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let system = system.unwrap();
    let sensor = crate::codegen::emit(&system.nodes[0].topology).to_string();
    for needle in [
        "pub struct Instance",
        "__AIMDB_ADDRESS_READING_TO_0 : [& str ; 200usize]",
        "\"climate/199/reading\"",
        "__AIMDB_ADDRESS_READING_TO_0 [__aimdb_instance ()]",
        "links : Links , instance : Instance",
    ] {
        assert!(
            sensor.contains(needle),
            "{needle} not in the sensor:\n{sensor}"
        );
    }
    let dashboard = crate::codegen::emit(&system.nodes[1].topology).to_string();
    for needle in [
        "FamilyRoute",
        "filter : \"climate/+/reading\"",
        "attach_family (& __AIMDB_FAMILIES_MQTT)",
        "pub fn reading_index",
        "run_family_tap_send",
        "__AIMDB_BUFFER_READING [199usize]",
        "pub const READING_NODES : [& str ; 200usize] = [\"sensor-0\" ,",
    ] {
        assert!(
            dashboard.contains(needle),
            "{needle} not in the dashboard:\n{dashboard}"
        );
    }
}

/// A node observing the family with a join producing `summary` (`handler` its record's
/// `transform` or `join` table).
fn summary(producer: &str) -> String {
    format!(
        r#"
[records.summary]
key = "climate/summary"
type = "Temperature"

[records.setpoint]
key = "climate/setpoint"
type = "Temperature"

[nodes.summary]
runtime = "tokio"

[nodes.summary.records.reading]
buffer = "SingleLatest"
link_from = {{ url = "mqtt://climate/{{instance}}/reading", codec = "postcard" }}

[nodes.summary.records.setpoint]
buffer = "SingleLatest"
source = "set_point"

[nodes.summary.records.summary]
buffer = "SingleLatest"
{producer}
"#
    )
}

#[test]
fn a_join_takes_a_family_and_each_trigger_its_instance() {
    let join =
        summary("join = { inputs = [\"setpoint\", \"reading\"], on_triggers = \"warmest\" }");
    let source = fleet(
        "instances = [\"a\", \"b\", \"c\"]",
        &join,
        "mqtt://climate/{instance}/reading",
    );
    let (system, diagnostics) = check_source(&source);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let system = system.unwrap();
    let node = system.nodes.iter().find(|n| n.name() == "summary").unwrap();
    let emitted = crate::codegen::emit(&node.topology).to_string();
    for needle in [
        // The family's variant carries the instance; the plain input's does not.
        "Reading (& 'static str , Temperature)",
        "Setpoint (Temperature)",
        // One consumer per instance, each subscribed to its instance's buffer.
        "pub input_1 : [:: aimdb :: __private :: aimdb_core :: Consumer < 'static , Temperature > ; 3usize]",
        "subscribe :: < Temperature > (& __AIMDB_BUFFER_READING [at]",
        // 1 + 3 polled inputs; input 1 is polled as 1..=3, told its instance by index.
        "JoinRx < SummaryInputs , 4usize >",
        "_ => { let at = index - 1usize ; self . input_1 [at] . poll_recv (cx)",
        "SummaryInput :: Reading (READING_INSTANCES [at] , value)",
        "SummaryInput :: Reading (instance , _) => :: aimdb :: __private :: core :: option :: Option :: Some (instance)",
        "SummaryInput :: Setpoint (value) | SummaryInput :: Reading (_ , value)",
    ] {
        assert!(emitted.contains(needle), "{needle} not in:\n{emitted}");
    }
}

#[test]
fn what_a_family_cannot_do_yet_is_an_error() {
    let transform = summary("transform = { input = \"reading\", map = \"latest\" }");
    let source = fleet(
        "instances = [\"a\", \"b\"]",
        &transform,
        "mqtt://climate/{instance}/reading",
    );
    assert_eq!(
        messages(&source),
        [
            "the family \"climate/{instance}/reading\" is the input of a transform on node `summary`: a transform over a family is not supported yet"
        ]
    );
}

#[test]
fn an_embassy_node_observes_a_family_but_no_other_filter() {
    let embassy = |url: &str| {
        fleet("instances = [\"a\", \"b\"]", "", url).replace(
            "[nodes.dashboard]\nruntime = \"tokio\"",
            "[nodes.dashboard]\nruntime = \"embassy\"",
        )
    };
    let source = embassy("mqtt://climate/{instance}/reading?qos=1");
    let (system, diagnostics) = check_source(&source);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let system = system.unwrap();
    let emitted = crate::codegen::emit(&system.nodes[1].topology).to_string();
    for needle in [
        "filter : \"climate/+/reading?qos=1\"",
        "attach_family (& __AIMDB_FAMILIES_MQTT)",
        "pub fn spawn",
    ] {
        assert!(emitted.contains(needle), "{needle} not in:\n{emitted}");
    }
    // A filter that is not a family's is still refused there.
    let filter = fleet(
        "instances = [\"a\", \"b\"]",
        "",
        "mqtt://climate/{instance}/reading",
    ) + "\n[records.all]\nkey = \"climate/all\"\ntype = \"Temperature\"\n\n[nodes.panel]\nruntime = \"embassy\"\n\n[nodes.panel.records.all]\nbuffer = \"SingleLatest\"\ntaps = [\"render\"]\nlink_from = { url = \"mqtt://climate/+/reading\", codec = \"postcard\", external = true }\n";
    assert_eq!(
        messages(&filter),
        [
            "invalid link URL \"mqtt://climate/+/reading\": `climate/+/reading`: the embassy MQTT connector subscribes to exact topics only (no `+`/`#` filters)"
        ]
    );
    // The filter's length is the embassy slot's: a family filter over 96 bytes is refused.
    let long = format!("mqtt://{}/{{instance}}/reading", "x".repeat(90));
    assert!(
        messages(&embassy(&long))
            .iter()
            .any(|m| m.contains("takes topics of at most 96 bytes")),
        "{:#?}",
        messages(&embassy(&long))
    );
}
