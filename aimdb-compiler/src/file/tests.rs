//! The TOML front end and the whole-system checks, without rustc: the shipped topologies,
//! every broken copy under `tests/topologies-broken/`, and small inline files.

use super::parse;
use crate::check_file as check_source;
use crate::diagnostic::Span;
use crate::model::Direction;
use crate::model::{BufferKind, Codec, HandlerKind, Runtime, TransformKind};

const CLIMATE: &str = include_str!("../../../topologies/climate.toml");
const SETPOINT: &str = include_str!("../../../topologies/setpoint.toml");

/// The text a span covers.
fn text(source: &str, span: Span) -> &str {
    match span {
        Span::Text { start, end } => &source[start..end],
        Span::Tokens(_) => panic!("a file's model holds text spans only"),
    }
}

/// Every diagnostic's message, in file order.
fn messages(source: &str) -> Vec<String> {
    check_source(source)
        .1
        .into_iter()
        .map(|d| d.message)
        .collect()
}

fn broken(name: &str) -> String {
    let path = format!(
        "{}/../tests/topologies-broken/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn climate_reads_into_three_nodes() {
    let (system, diagnostics) = check_source(CLIMATE);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let system = system.unwrap();
    let names: Vec<_> = system.nodes.iter().map(|n| n.name()).collect();
    assert_eq!(names, ["sensor", "dashboard", "browser"]);
    let sensor = &system.nodes[0];
    assert_eq!(sensor.runtime(), Runtime::Embassy);
    assert_eq!(
        sensor.target.as_ref().unwrap().text,
        "thumbv7em-none-eabihf"
    );
    let reading = &sensor.topology.records[0];
    assert_eq!(reading.key.id, "climate/zone-a/reading");
    assert_eq!(reading.value_type.text, "Temperature");
    assert!(matches!(
        reading.buffers[0].kind,
        BufferKind::SpmcRing { capacity: 256, .. }
    ));
    // Every element points at its text in the file.
    assert_eq!(
        text(CLIMATE, reading.sources[0].span),
        "\"read_temperature_loop\""
    );
    assert_eq!(text(CLIMATE, reading.key.span), "reading");
    assert_eq!(
        text(CLIMATE, reading.links_to[0].url.span),
        "\"mqtt://climate/zone-a/reading\""
    );
    let Codec::Named(codec) = &reading.links_to[0].serializer else {
        panic!("the sensor's link names its codec");
    };
    assert_eq!(codec.text, "postcard");
    // The record's contract, pinned in the file, with its place.
    let pin = system.records[0].contract.expect("a pinned contract");
    assert_eq!(pin.fingerprint, 0xd266_0728_cb35_7589);
    assert_eq!(text(CLIMATE, pin.span), "\"d2660728cb357589\"");
    let dashboard = &system.nodes[1];
    assert_eq!(dashboard.runtime(), Runtime::Tokio);
    assert!(matches!(
        dashboard.topology.records[0].buffers[0].kind,
        BufferKind::SingleLatest
    ));
    assert_eq!(
        dashboard.topology.records[0].taps[0].function.text,
        "render_chart"
    );
    // The dashboard observes the reading over MQTT; so does the browser, a wasm node of
    // the same file (issue 18), which the page runs: nothing relays the reading to it.
    let from = dashboard
        .links()
        .into_iter()
        .find(|l| l.direction == Direction::From);
    let from = from.expect("the dashboard's link_from");
    assert_eq!(from.value_type, "Temperature");
    assert_eq!(dashboard.links().len(), 1);
    let browser = &system.nodes[2];
    assert_eq!(browser.runtime(), Runtime::Wasm);
    assert_eq!(
        browser.target.as_ref().unwrap().text,
        "wasm32-unknown-unknown"
    );
    assert_eq!(browser.links().len(), 1);
    assert_eq!(browser.links()[0].direction, Direction::From);
    assert_eq!(browser.links()[0].value_type, "Temperature");
}

#[test]
fn setpoint_checks_clean() {
    let (system, diagnostics) = check_source(SETPOINT);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let system = system.unwrap();
    assert_eq!(system.records.len(), 5);
    assert_eq!(system.nodes.len(), 4);
    // The controller observes three requests and joins them into `applied`, which it
    // writes to the KNX valve actuator and, over MQTT, to the consoles; it reads the KNX
    // wall sensor's room temperature.
    let controller = &system.nodes[3].topology;
    assert_eq!(controller.records.len(), 5);
    let applied = &controller.records[3];
    let join = &applied.transforms[0];
    assert_eq!(join.kind, TransformKind::Join);
    assert_eq!(join.inputs.len(), 3);
    let links_to: Vec<&str> = applied
        .links_to
        .iter()
        .map(|l| l.url.text.as_str())
        .collect();
    assert_eq!(links_to, ["knx://1/1/1", "mqtt://setpoint/applied"]);
    // Console A is a browser (issue 18): it owns its request and observes what was applied.
    let console_a = &system.nodes[0];
    assert_eq!(console_a.runtime(), Runtime::Wasm);
    assert_eq!(console_a.topology.records.len(), 2);
    let room = &controller.records[4];
    let links_from: Vec<&str> = room
        .links_from
        .iter()
        .map(|l| l.url.text.as_str())
        .collect();
    assert_eq!(links_from, ["knx://1/2/1"]);
    let external: Vec<String> = system.nodes[3]
        .links()
        .into_iter()
        .filter(|l| l.external)
        .map(|l| l.url.text)
        .collect();
    assert_eq!(
        external,
        ["knx://1/2/1"],
        "the wall sensor is outside the file"
    );
}

/// The first message of each broken copy: one per whole-system rule (and the front end's).
#[test]
fn every_broken_copy_reports_its_error() {
    let cases = [
        (
            "climate_two_producers",
            "record `climate/zone-a/reading` has two producers in this system: `source = \"read_temperature_loop\"` on node `backup` and `source = \"read_temperature_loop\"` on node `sensor`",
        ),
        (
            "climate_two_writers",
            "link address \"mqtt://climate/zone-a/reading\" is written by two nodes: `replay` (record `replayed`) and `sensor` (record `reading`)",
        ),
        (
            "climate_no_writer",
            "node `dashboard` reads \"mqtt://climate/zone-a/readng\" (record `reading`), but no node in this file writes it",
        ),
        (
            "climate_external_but_written",
            "node `dashboard` declares \"mqtt://climate/zone-a/reading\" external, but node `sensor` in this file writes it",
        ),
        (
            "climate_type_mismatch",
            "the ends of \"mqtt://climate/zone-a/reading\" carry different record types: node `dashboard` reads it into `Humidity` (record `humidity`), node `sensor` writes `Temperature` (record `reading`)",
        ),
        (
            "climate_codec_mismatch",
            "the ends of \"mqtt://climate/zone-a/reading\" do not agree on a codec: node `sensor` serializes with `Temperature::to_bytes`, node `dashboard` deserializes with `wire::decode_reading`",
        ),
        (
            "climate_codec_names",
            "the ends of \"mqtt://climate/zone-a/reading\" do not agree on a codec: node `sensor` writes it as codec \"le-f32\", node `dashboard` reads it as codec \"json\"",
        ),
        (
            "climate_tokio_on_mcu",
            "node `sensor` runs on tokio, which needs an operating system, but its target `thumbv7em-none-eabihf` has none",
        ),
        (
            "climate_connector_runtime",
            "the `ws` connector is not available on embassy",
        ),
        (
            "setpoint_two_producers",
            "record `setpoint/request/operator-a` has two producers in this system: `source = \"operator_b_requests\"` on node `console_b` and `source = \"operator_a_requests\"` on node `console_a`",
        ),
        (
            "setpoint_two_writers",
            "link address \"mqtt://setpoint/request/operator-a\" is written by two nodes: `autotuner` (record `request_autotuner`) and `console_a` (record `request_operator_a`)",
        ),
        (
            "setpoint_no_writer",
            "node `controller` reads \"mqtt://setpoint/request/auto-tuner\" (record `request_autotuner`), but no node in this file writes it",
        ),
        (
            "climate_toml_syntax",
            "invalid TOML: invalid basic string, expected `\"`",
        ),
        ("climate_unknown_field", "unknown runtime \"tokyo\""),
        (
            "climate_bad_rust",
            "\"Temperature<\" is not a Rust type: unexpected end of input, expected one of: `for`, parentheses, `fn`, `unsafe`, `extern`, identifier, `::`, `<`, `dyn`, square brackets, `*`, `&`, `!`, `impl`, `_`, lifetime",
        ),
    ];
    for (name, first) in cases {
        let found = messages(&broken(name));
        assert_eq!(
            found.first().map(String::as_str),
            Some(first),
            "{name}: {found:#?}"
        );
    }
}

#[test]
fn system_errors_name_both_places() {
    let source = broken("climate_two_writers");
    let (_, diagnostics) = check_source(&source);
    let rendered = diagnostics[0].render("climate_two_writers.toml", &source);
    assert!(
        rendered.contains(" --> climate_two_writers.toml:46:11\n"),
        "{rendered}"
    );
    assert!(rendered.contains("note: node `sensor` writes \"mqtt://climate/zone-a/reading\" here\n  --> climate_two_writers.toml:21:5\n"), "{rendered}");
    assert!(
        rendered.contains("= help: an address has exactly one writer (`link_to`) in a system"),
        "{rendered}"
    );
}

#[test]
fn unknown_fields_get_did_you_mean() {
    let source = broken("climate_unknown_field");
    let (_, diagnostics) = check_source(&source);
    let unknown = diagnostics
        .iter()
        .find(|d| d.message == "unknown field `tap` in record `reading` of node `dashboard`")
        .expect("the misspelled field is reported although the node's runtime is wrong too");
    assert!(
        unknown
            .help
            .as_deref()
            .unwrap()
            .starts_with("did you mean `taps`?")
    );
    assert_eq!(text(&source, unknown.span), "tap");
}

#[test]
fn syntax_errors_point_at_line_and_column() {
    let source = "[records.reading]\nkey = \"a\"\ntype = \n";
    let (system, diagnostics) = check_source(source);
    assert!(system.is_none());
    let rendered = diagnostics[0].render("t.toml", source);
    assert!(rendered.starts_with("error: invalid TOML: "), "{rendered}");
    assert!(rendered.contains("--> t.toml:3:"), "{rendered}");
    assert!(rendered.contains("3 | type = \n"), "{rendered}");
}

#[test]
fn external_links_and_shared_codecs_pass() {
    let source = r#"
[records.reading]
key = "r"
type = "Temperature"

[nodes.dashboard]
runtime = "tokio"

[nodes.dashboard.records.reading]
buffer = "Mailbox"
taps = "show"
link_from = { url = "mqtt://far/away", deserializer = "wire::decode", external = true }
"#;
    assert_eq!(messages(source), Vec::<String>::new());
    // Named codecs may come from different paths.
    let named = CLIMATE
        .replace(
            "serializer = \"Temperature::to_bytes\"",
            "serializer = \"a::enc\", codec = \"le-f32\"",
        )
        .replace(
            "deserializer = \"Temperature::from_bytes\"",
            "deserializer = \"b::dec\", codec = \"le-f32\"",
        );
    assert_eq!(messages(&named), Vec::<String>::new());
}

#[test]
fn buffers_and_links_in_file_words() {
    let source = r#"
[records.reading]
key = "r"
type = "Temperature"

[nodes.n]
runtime = "tokio"

[nodes.n.records.reading]
buffer = { kind = "SpmcRng", capacity = 4 }
source = "f"
link_to = { url = "mqtt://x" }
"#;
    assert_eq!(
        messages(source),
        [
            "unknown buffer kind \"SpmcRng\"",
            "a `link_to` of record `reading` of node `n` (\"mqtt://x\") has no serializer",
        ]
    );
    let ring = source.replace("kind = \"SpmcRng\", capacity = 4", "kind = \"SpmcRing\"");
    assert_eq!(
        messages(&ring)[0],
        "the `SpmcRing` buffer of record `reading` of node `n` has no capacity"
    );
    let zero = source.replace("SpmcRng\", capacity = 4", "SpmcRing\", capacity = 0");
    assert_eq!(
        messages(&zero)[0],
        "the ring of record `climate/zone-a/reading` has capacity 0 and could hold no value"
            .replace("climate/zone-a/reading", "r")
    );
}

#[test]
fn per_node_findings_name_their_node() {
    let source = broken("climate_connector_runtime");
    let (_, diagnostics) = check_source(&source);
    let notes: Vec<_> = diagnostics[0]
        .notes
        .iter()
        .map(|n| n.message.as_str())
        .collect();
    assert_eq!(notes, ["in node `sensor` (embassy)"]);
}

#[test]
fn joins_fill_the_model() {
    let source = r#"
[records.a]
key = "request/a"
type = "Request"
[records.b]
key = "request/b"
type = "Request"
[records.applied]
key = "applied"
type = "Applied"

[nodes.controller]
runtime = "tokio"
[nodes.controller.records.a]
buffer = "SingleLatest"
link_from = { url = "mqtt://a", deserializer = "Request::from_bytes", external = true }
[nodes.controller.records.b]
buffer = "SingleLatest"
link_from = { url = "mqtt://b", deserializer = "Request::from_bytes", external = true }
[nodes.controller.records.applied]
buffer = "SingleLatest"
taps = ["apply"]
join = { inputs = ["a", "b"], on_triggers = "arbitrate" }
"#;
    let parsed = parse(source);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let system = parsed.system.unwrap();
    let applied = &system.nodes[0].topology.records[2];
    let join = &applied.transforms[0];
    assert_eq!(join.kind, TransformKind::Join);
    let inputs: Vec<_> = join.inputs.iter().map(|i| i.key.id.as_str()).collect();
    assert_eq!(inputs, ["request/a", "request/b"]);
    assert_eq!(join.inputs[0].value_type.as_ref().unwrap().text, "Request");
    let handler = join.handler.as_ref().unwrap();
    assert_eq!(handler.kind, HandlerKind::OnTriggers);
    assert_eq!(handler.function.text, "arbitrate");
    let typo = source.replace("inputs = [\"a\", \"b\"]", "inputs = [\"a\", \"c\"]");
    let typo = parse(&typo);
    assert_eq!(
        typo.diagnostics[0].message,
        "the input `c` is not a record of this file"
    );
}

/// A link's identity is the connector's address, options left out (issue 14).
#[test]
fn links_are_compared_by_address_identity_not_url_text() {
    // A writer with `?retain=true` and a reader without it are one address: no error.
    // The writer's link comes first in the file, the reader's second.
    let retained = CLIMATE.replacen(
        "{ url = \"mqtt://climate/zone-a/reading\", codec",
        "{ url = \"mqtt://climate/zone-a/reading?retain=true&qos=1\", codec",
        1,
    );
    assert_ne!(retained, CLIMATE);
    assert_eq!(messages(&retained), Vec::<String>::new());
    // A reader asking for less than the writer gives is fine; more is a conflict.
    let lower = retained.replace(
        "{ url = \"mqtt://climate/zone-a/reading\", codec",
        "{ url = \"mqtt://climate/zone-a/reading?qos=0\", codec",
    );
    assert_eq!(messages(&lower), Vec::<String>::new());
    let higher = retained.replace(
        "{ url = \"mqtt://climate/zone-a/reading\", codec",
        "{ url = \"mqtt://climate/zone-a/reading?qos=2\", codec",
    );
    // Both readers (the dashboard and the browser) ask for more: one conflict each.
    let found = messages(&higher);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(
        found
            .iter()
            .all(|f| f.contains("contradict each other on `qos`")),
        "{found:#?}"
    );
    // Two spellings of one topic on one node are one address twice.
    let twice = CLIMATE.replacen(
        "    { url = \"mqtt://climate/zone-a/reading\", codec = \"postcard\" },",
        "    { url = \"mqtt://climate/zone-a/reading\", codec = \"postcard\" },\n    { url = \"mqtt://climate/zone-a/reading?qos=0\", codec = \"postcard\" },",
        1,
    );
    let found = messages(&twice);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("link \"mqtt://climate/zone-a/reading?qos=0\" is the address \"mqtt://climate/zone-a/reading\" again"),
        "{found:#?}"
    );
}

/// `source_handle = true` declares code outside the node's tasks as the producer (issue 14).
#[test]
fn source_handle_is_a_producer_in_the_file_form() {
    let handled = CLIMATE.replace("source = \"read_temperature_loop\"", "source_handle = true");
    let (system, diagnostics) = check_source(&handled);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let sensor = &system.unwrap().nodes[0];
    assert_eq!(sensor.topology.records[0].source_handles.len(), 1);
    assert!(sensor.topology.records[0].sources.is_empty());
    // With a source as well, the key has two producers on one node.
    let both = CLIMATE.replace(
        "source = \"read_temperature_loop\"",
        "source = \"read_temperature_loop\"\nsource_handle = true",
    );
    let found = messages(&both);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("has two producers (a `source_handle` and another producer): this `source_handle = true`"),
        "{found:#?}"
    );
}

/// `codec = "postcard"` with no function of its own names the serde codec (issue 17).
#[test]
fn a_named_codec_needs_no_functions_and_runs_where_it_can() {
    // The shipped climate file names postcard on both ends of its MQTT link.
    let named = CLIMATE;
    assert!(named.contains("{ url = \"mqtt://climate/zone-a/reading\", codec = \"postcard\" }"));
    let (system, diagnostics) = check_source(named);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    let sensor = &system.unwrap().nodes[0];
    let link = &sensor.topology.records[0].links_to[0];
    assert_eq!(link.named.map(|c| c.name), Some("postcard"));
    let Codec::Named(codec) = &link.serializer else {
        panic!("the named codec's type");
    };
    assert_eq!(codec.text, "postcard");
    // JSON needs std: not on the embassy sensor. And two named codecs that differ disagree.
    let json = named.replacen("codec = \"postcard\"", "codec = \"json\"", 1);
    let found = messages(&json);
    assert!(
        found.contains(&"the `json` codec does not run on embassy".to_owned()),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|m| m.contains("do not agree on a codec")),
        "{found:#?}"
    );
}

/// A join input in a file gets a did-you-mean too, a transposition being one edit, and never
/// one of the join's other inputs (issue 16).
#[test]
fn a_misspelled_join_input_in_a_file_gets_a_suggestion() {
    let typo = SETPOINT.replace(
        "inputs = [\"request_operator_a\", \"request_operator_b\", \"request_autotuner\"]",
        "inputs = [\"request_operator_a\", \"request_operator_b\", \"request_autotuenr\"]",
    );
    assert_ne!(typo, SETPOINT);
    let (_, diagnostics) = check_source(&typo);
    let input = diagnostics
        .iter()
        .find(|d| d.message == "the input `request_autotuenr` is not a record of this file")
        .unwrap_or_else(|| panic!("{diagnostics:#?}"));
    assert_eq!(
        input.help.as_deref(),
        Some("did you mean the record `request_autotuner`?")
    );
}

/// `contract = ".."` pins a record type's fingerprint; anything but 16 hex digits is an
/// error at the string, and the reports show the pin (issue 17).
#[test]
fn a_pinned_contract_is_sixteen_hex_digits_and_the_reports_show_it() {
    let bad = CLIMATE.replace("contract = \"d2660728cb357589\"", "contract = \"v1\"");
    assert_ne!(bad, CLIMATE);
    let (_, diagnostics) = check_source(&bad);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(
        diagnostics[0].message,
        "`contract` of record `reading` is not a fingerprint: \"v1\""
    );
    assert_eq!(text(&bad, diagnostics[0].span), "\"v1\"");
    let (system, _) = check_source(CLIMATE);
    let contracts = crate::report::contracts::contracts(&system.unwrap());
    assert_eq!(contracts.len(), 1);
    let reading = &contracts[0];
    assert_eq!(reading.pinned, Some(0xd266_0728_cb35_7589));
    assert_eq!(reading.codecs, ["postcard"]);
    assert_eq!(
        reading.constants,
        [
            "sensor::READING_FINGERPRINT",
            "dashboard::READING_FINGERPRINT",
            "browser::READING_FINGERPRINT"
        ]
    );
    assert_eq!(
        reading.summary().as_deref(),
        Some("contract d2660728cb357589")
    );
    // Unpinned, on a named codec: said so; on raw codecs only: no contract at all.
    let (system, _) = check_source(SETPOINT);
    let contracts = crate::report::contracts::contracts(&system.unwrap());
    let summaries: Vec<_> = contracts.iter().map(|c| c.summary()).collect();
    assert!(
        summaries.contains(&Some("contract unpinned".to_owned())),
        "{summaries:?}"
    );
}

// The browser nodes (issue 18).
mod wasm;
