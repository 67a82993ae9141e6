//! `aimdb graph`: the Mermaid output parses (a small parser of the flowchart subset the
//! command writes, checking every edge's ends are declared boxes and subgraphs balance), and
//! the DOT output renders with Graphviz's `dot` (skipped, with a message, where `dot` is not
//! installed; `scripts/setup.sh` installs it).

mod cli_support;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::process::{Command, Stdio};

use cli_support::run;

/// A parsed Mermaid flowchart: subgraph ids, box ids with their subgraph, edges.
#[derive(Debug, Default)]
struct Flowchart {
    subgraphs: Vec<String>,
    boxes: Vec<(String, Option<String>, String)>,
    edges: Vec<(String, String, String, bool)>,
    owners: BTreeSet<String>,
}

fn id(text: &str) -> &str {
    assert!(
        !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "bad id {text:?}"
    );
    text
}

/// A `"label"` at the start of `text`: the label and the rest. Labels hold no raw `"`.
fn label(text: &str) -> (&str, &str) {
    let text = text.strip_prefix('"').expect("a quoted label");
    let end = text.find('"').expect("a closing quote");
    (&text[..end], &text[end + 1..])
}

fn parse_mermaid(text: &str) -> Flowchart {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("flowchart LR"));
    let mut chart = Flowchart::default();
    let mut open: Option<String> = None;
    for line in lines {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("subgraph ") {
            assert!(open.is_none(), "nested subgraph: {line}");
            let (name, title) = rest.split_once('[').expect("subgraph id[\"title\"]");
            let (_, tail) = label(title);
            assert_eq!(tail, "]");
            open = Some(id(name).to_owned());
            chart.subgraphs.push(name.to_owned());
        } else if line == "end" {
            assert!(open.take().is_some(), "`end` without subgraph");
        } else if line.starts_with("classDef ") {
        } else if let Some(rest) = line.strip_prefix("class ") {
            let (ids, class) = rest.rsplit_once(' ').unwrap();
            assert_eq!(class, "owner");
            chart
                .owners
                .extend(ids.split(',').map(|i| id(i).to_owned()));
        } else if let Some((from, rest)) =
            line.split_once(" -- ").or_else(|| line.split_once(" -. "))
        {
            let local = line.contains(" -. ");
            let (address, rest) = label(rest);
            let arrow = if local { " .-> " } else { " --> " };
            let to = rest.strip_prefix(arrow).expect("an arrow");
            chart.edges.push((
                id(from).to_owned(),
                id(to).to_owned(),
                address.to_owned(),
                local,
            ));
        } else {
            // A box `id["label"]`, or an outside endpoint `id(["label"])` (a stadium).
            let at = line.find(['[', '(']).expect("a box: id[\"label\"]");
            let (name, rest) = line.split_at(at);
            let stadium = rest.starts_with("([");
            let (text, tail) = label(rest.trim_start_matches(['(', '[']));
            assert_eq!(tail, if stadium { "])" } else { "]" }, "{line}");
            chart
                .boxes
                .push((id(name).to_owned(), open.clone(), text.to_owned()));
        }
    }
    assert!(open.is_none(), "unclosed subgraph");
    let declared: BTreeSet<_> = chart.boxes.iter().map(|b| b.0.clone()).collect();
    for (from, to, _, _) in &chart.edges {
        assert!(
            declared.contains(from) && declared.contains(to),
            "edge {from} -> {to} to an undeclared box"
        );
    }
    assert!(chart.owners.is_subset(&declared));
    chart
}

#[test]
fn climate_mermaid_parses_with_owner_and_link() {
    let out = run(&["graph", "topologies/climate.toml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let chart = parse_mermaid(&out.stdout);
    assert_eq!(chart.subgraphs, ["sensor", "dashboard", "browser"]);
    assert_eq!(chart.owners, BTreeSet::from(["sensor__reading".to_owned()]));
    let sensor_box = chart
        .boxes
        .iter()
        .find(|b| b.0 == "sensor__reading")
        .unwrap();
    assert_eq!(sensor_box.1.as_deref(), Some("sensor"));
    // The contract the file pins is on the record's box (issue 17).
    assert_eq!(
        sensor_box.2,
        "reading (owner)<br/>climate/zone-a/reading<br/>Temperature, SpmcRing(256)<br/>contract d2660728cb357589"
    );
    // The MQTT link from the sensor to each observer, the browser node among them: nothing
    // is outside the file (issue 18).
    assert_eq!(
        chart.edges,
        [
            (
                "sensor__reading".into(),
                "dashboard__reading".into(),
                "mqtt://climate/zone-a/reading".into(),
                false
            ),
            (
                "sensor__reading".into(),
                "browser__reading".into(),
                "mqtt://climate/zone-a/reading".into(),
                false
            )
        ]
    );
    assert!(!out.stdout.contains("outside this file"), "{}", out.stdout);
}

#[test]
fn setpoint_mermaid_draws_links_and_the_join() {
    let out = run(&["graph", "topologies/setpoint.toml", "--format", "mermaid"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let chart = parse_mermaid(&out.stdout);
    assert_eq!(
        chart.subgraphs,
        ["console_a", "console_b", "autotuner", "controller"]
    );
    let links: Vec<_> = chart
        .edges
        .iter()
        .filter(|e| !e.3)
        .map(|e| (e.0.as_str(), e.1.as_str(), e.2.as_str()))
        .collect();
    let joins: Vec<_> = chart
        .edges
        .iter()
        .filter(|e| e.3)
        .map(|e| (e.0.as_str(), e.1.as_str()))
        .collect();
    assert_eq!(links.len(), 6, "{links:?}");
    // The applied setpoint goes back to operator console A, a browser node (issue 18).
    assert!(
        links.contains(&(
            "controller__applied",
            "console_a__applied",
            "mqtt://setpoint/applied"
        )),
        "{links:?}"
    );
    // The KNX valve actuator and wall sensor are devices outside the file.
    assert!(
        links.contains(&("controller__applied", "outside__knx___1_1_1", "knx://1/1/1")),
        "{links:?}"
    );
    assert!(
        links.contains(&(
            "outside__knx___1_2_1",
            "controller__room_temperature",
            "knx://1/2/1"
        )),
        "{links:?}"
    );
    assert_eq!(
        joins,
        [
            ("controller__request_operator_a", "controller__applied"),
            ("controller__request_operator_b", "controller__applied"),
            ("controller__request_autotuner", "controller__applied"),
        ]
    );
    assert_eq!(
        chart.owners.len(),
        4,
        "three writers and the arbiter own their keys"
    );
}

#[test]
fn external_addresses_are_drawn_outside() {
    let out = run(&["graph", "tests/topologies-broken/external_ok.toml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let chart = parse_mermaid(&out.stdout);
    let outside: Vec<_> = chart
        .boxes
        .iter()
        .filter(|b| b.1.is_none())
        .map(|b| b.2.as_str())
        .collect();
    assert_eq!(outside, ["mqtt://weather/outdoor (outside this file)"]);
}

#[test]
fn dot_renders_with_graphviz() {
    if Command::new("dot").arg("-V").output().is_err() {
        eprintln!(
            "SKIPPED: Graphviz `dot` is not installed (scripts/setup.sh installs it); the DOT text was not rendered"
        );
        return;
    }
    for file in ["topologies/climate.toml", "topologies/setpoint.toml"] {
        let out = run(&["graph", file, "--format", "dot"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let mut dot = Command::new("dot")
            .args(["-Tplain"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dot starts");
        dot.stdin
            .take()
            .unwrap()
            .write_all(out.stdout.as_bytes())
            .unwrap();
        let rendered = dot.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&rendered.stderr);
        assert!(
            rendered.status.success() && stderr.is_empty(),
            "{file}: dot says: {stderr}\n{}",
            out.stdout
        );
        // `-Tplain` lists every node and edge Graphviz laid out.
        let plain = String::from_utf8(rendered.stdout).unwrap();
        let edges = plain.lines().filter(|l| l.starts_with("edge ")).count();
        // climate: the reading to the dashboard and to the browser; setpoint: four MQTT
        // links (three requests, the applied setpoint back to console A), three join inputs,
        // the two KNX links.
        let expected = if file.contains("climate") { 2 } else { 9 };
        assert_eq!(edges, expected, "{file}:\n{plain}");
    }
}

/// `--format json` (what the dashboard page draws) is valid JSON and says what the Mermaid
/// says: the same nodes, boxes, owners and edges, for every topology file.
#[test]
fn json_says_what_mermaid_says() {
    for file in [
        "topologies/climate.toml",
        "topologies/setpoint.toml",
        "topologies/fleet.toml",
    ] {
        let mermaid = parse_mermaid(&run(&["graph", file]).stdout);
        let out = run(&["graph", file, "--format", "json"]);
        assert_eq!(out.code, 0, "{file}: {}", out.stderr);
        let json: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{file}: not JSON ({e}): {}", out.stdout));
        let text = |v: &serde_json::Value| v.as_str().expect("a string").to_owned();
        let nodes = json["nodes"].as_array().expect("nodes");
        let ids: Vec<String> = nodes.iter().map(|n| text(&n["id"])).collect();
        assert_eq!(ids, mermaid.subgraphs, "{file}");
        let mut boxes = Vec::new();
        let mut owners = BTreeSet::new();
        for node in nodes {
            for b in node["boxes"].as_array().expect("boxes") {
                let mut label = text(&b["name"]);
                if b["owner"] == true {
                    owners.insert(text(&b["id"]));
                    label.push_str(" (owner)");
                }
                for line in b["lines"].as_array().expect("lines") {
                    label = format!("{label}<br/>{}", text(line));
                }
                boxes.push((text(&b["id"]), Some(text(&node["id"])), label));
            }
        }
        let mermaid_boxes: Vec<_> = mermaid
            .boxes
            .iter()
            .filter(|b| b.1.is_some())
            .cloned()
            .collect();
        assert_eq!(boxes, mermaid_boxes, "{file}");
        assert_eq!(owners, mermaid.owners, "{file}");
        let edges: Vec<_> = json["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| {
                (
                    text(&e["from"]),
                    text(&e["to"]),
                    text(&e["label"]),
                    e["local"] == true,
                )
            })
            .collect();
        assert_eq!(edges, mermaid.edges, "{file}");
    }
}
