//! The wasm runtime in topology files: its connectors, its target, its name.

use super::{CLIMATE, check_source, messages};

/// A browser node (`runtime = "wasm"`, issue 18) has the connectors the scheme table gives
/// wasm (mqtt, ws) and no other: a serial link on it is a compile error naming the runtime.
#[test]
fn a_wasm_node_takes_only_the_browser_connectors() {
    let serial = CLIMATE.replace(
        "[nodes.browser.records.reading]\nbuffer = \"SingleLatest\"\ntaps = [\"render_chart\"]\nlink_from = [\n    { url = \"mqtt://climate/zone-a/reading\", codec = \"postcard\" },\n]",
        "[nodes.browser.records.reading]\nbuffer = \"SingleLatest\"\ntaps = [\"render_chart\"]\nlink_from = [\n    { url = \"serial://uart0\", codec = \"postcard\", external = true },\n]",
    );
    assert_ne!(serial, CLIMATE);
    let found = messages(&serial);
    assert!(
        found
            .iter()
            .any(|m| m == "the `serial` connector is not available on wasm"),
        "{found:#?}"
    );
    // ws:// runs on wasm (a browser node's client of a host's ws connector): no runtime
    // error, and the end is matched by address like any other: nobody in the file writes
    // `ws://climate/zone-a/reading`, so the reader has no writer.
    let ws = serial.replace("serial://uart0", "ws://climate/zone-a/reading");
    let found = messages(&ws);
    assert!(
        !found.iter().any(|m| m.contains("not available on wasm")),
        "{found:#?}"
    );
    let ws = ws.replace(", external = true", "");
    let found = messages(&ws);
    assert!(
        found.iter().any(|m| m
            == "node `browser` reads \"ws://climate/zone-a/reading\" (record `reading`), but no node in this file writes it"),
        "{found:#?}"
    );
    let elsewhere = CLIMATE.replace(
        "target = \"wasm32-unknown-unknown\"",
        "target = \"wasm32-wasip1\"",
    );
    assert_eq!(
        messages(&elsewhere),
        [
            "node `browser` runs on wasm, a browser node built for `wasm32-unknown-unknown`, but its target is `wasm32-wasip1`"
        ]
    );
    let misspelled = CLIMATE.replace("runtime = \"wasm\"", "runtime = \"wsam\"");
    let (_, diagnostics) = check_source(&misspelled);
    assert_eq!(diagnostics[0].message, "unknown runtime \"wsam\"");
    assert_eq!(
        diagnostics[0].help.as_deref(),
        Some("did you mean \"wasm\"? runtimes: \"tokio\", \"embassy\", \"wasm\"")
    );
}

/// The whole-system checks cover browser nodes like any other: a browser that also produced
/// the sensor's reading would be a second producer of its key.
#[test]
fn a_browser_node_is_held_to_one_producer_per_key() {
    let rogue = CLIMATE.replace(
        "[nodes.browser.records.reading]\nbuffer = \"SingleLatest\"\ntaps = [\"render_chart\"]\nlink_from = [\n    { url = \"mqtt://climate/zone-a/reading\", codec = \"postcard\" },\n]",
        "[nodes.browser.records.reading]\nbuffer = \"SingleLatest\"\nsource = \"forge_readings\"\nlink_to = [\n    { url = \"mqtt://climate/zone-a/reading\", codec = \"postcard\" },\n]",
    );
    assert_ne!(rogue, CLIMATE);
    let found = messages(&rogue);
    assert!(
        found.iter().any(|m| m.contains("two producers")
            && m.contains("node `sensor`")
            && m.contains("node `browser`")),
        "{found:#?}"
    );
}

const PANEL: &str = include_str!("../../../../topologies/panel.toml");

/// `ws://` between a browser node and a host node (issue 18, item 3): the panel's ends are
/// matched with the station's by address like any other scheme's, so the file checks clean,
/// a panel that also wrote the station's reading is a second producer, and ends that
/// disagree on the codec are an error.
#[test]
fn a_browser_nodes_ws_ends_are_matched_with_the_hosts() {
    assert_eq!(messages(PANEL), Vec::<String>::new());
    let rogue = PANEL.replace(
        "[nodes.panel.records.reading]\nbuffer = { kind = \"SpmcRing\", capacity = 64 }\ntaps = [\"show_reading\"]\nlink_from = { url = \"ws://panel/reading\", codec = \"postcard\" }",
        "[nodes.panel.records.reading]\nbuffer = { kind = \"SpmcRing\", capacity = 64 }\nsource = \"forge_readings\"\nlink_to = { url = \"ws://panel/reading\", codec = \"postcard\" }",
    );
    assert_ne!(rogue, PANEL);
    let found = messages(&rogue);
    assert!(
        found.iter().any(|m| m.contains("two producers")
            && m.contains("node `station`")
            && m.contains("node `panel`")),
        "{found:#?}"
    );
    let json = PANEL.replace(
        "link_from = { url = \"ws://panel/reading\", codec = \"postcard\" }\n\n[nodes.panel.records.request]",
        "link_from = { url = \"ws://panel/reading\", codec = \"json\" }\n\n[nodes.panel.records.request]",
    );
    assert_ne!(json, PANEL);
    let found = messages(&json);
    assert!(
        found
            .iter()
            .any(|m| m.contains("do not agree on a codec") && m.contains("ws://panel/reading")),
        "{found:#?}"
    );
}

/// A browser node's ws connector dials one server: its `ws://` ends must all meet one host
/// (tokio) node's, never a second host's or another browser's.
#[test]
fn a_browser_nodes_ws_links_go_to_one_host_node() {
    let second_host = PANEL.replace(
        "[nodes.station.records.request]",
        "[nodes.relay]\nruntime = \"tokio\"\n\n[nodes.relay.records.request]",
    );
    assert_ne!(second_host, PANEL);
    let found = messages(&second_host);
    assert!(
        found.iter().any(|m| m
            == "browser node `panel` links ws:// with two host nodes: `station` (\"ws://panel/reading\") and `relay` (\"ws://panel/request\")"),
        "{found:#?}"
    );
    let browser_reader = PANEL.replace(
        "[nodes.station.records.request]\nbuffer = { kind = \"SpmcRing\", capacity = 8 }\ntaps = [\"record_request\"]\nlink_from = { url = \"ws://panel/request\", codec = \"postcard\" }",
        "[nodes.other]\nruntime = \"wasm\"\ntarget = \"wasm32-unknown-unknown\"\n\n[nodes.other.records.request]\nbuffer = { kind = \"SpmcRing\", capacity = 8 }\ntaps = [\"record_request\"]\nlink_from = { url = \"ws://panel/request\", codec = \"postcard\" }",
    );
    assert_ne!(browser_reader, PANEL);
    let found = messages(&browser_reader);
    assert!(
        found.iter().any(|m| m
            == "browser node `panel` links \"ws://panel/request\" with node `other`, which is not a host (tokio) node"),
        "{found:#?}"
    );
}
