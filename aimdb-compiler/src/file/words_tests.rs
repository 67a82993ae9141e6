//! The per-node checks word a file's findings in its TOML fields, not the builder chain's.

use crate::check_file as check_source;
use crate::diagnostic::Diagnostic;

const CLIMATE: &str = include_str!("../../../topologies/climate.toml");

/// Every diagnostic of `climate.toml` with `from` replaced by `to`.
fn diagnostics(from: &str, to: &str) -> Vec<Diagnostic> {
    assert!(CLIMATE.contains(from), "{from}");
    check_source(&CLIMATE.replace(from, to)).1
}

#[test]
fn a_ring_of_capacity_zero_is_fixed_with_the_files_fields() {
    let found = diagnostics("capacity = 256", "capacity = 0");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].message,
        "the ring of record `climate/zone-a/reading` has capacity 0 and could hold no value"
    );
    let help = found[0].help.as_deref().unwrap_or_default();
    assert!(help.contains("`capacity = 16`"), "{help}");
    assert!(help.contains("`buffer = \"SingleLatest\"`"), "{help}");
    assert!(!help.contains("BufferCfg"), "{help}");
}

#[test]
fn a_source_and_a_link_from_are_named_by_their_fields() {
    let found = diagnostics(
        "source = \"read_temperature_loop\"",
        "source = \"read_temperature_loop\"\nlink_from = { url = \"mqtt://elsewhere/reading\", codec = \"postcard\", external = true }",
    );
    let two = found
        .iter()
        .find(|d| d.message.contains("has two producers"))
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert!(
        two.message
            .contains("(`source` and `link_from` are mutually exclusive)"),
        "{}",
        two.message
    );
    let help = two.help.as_deref().unwrap_or_default();
    assert!(!help.contains(".link_from()"), "{help}");
}

#[test]
fn a_misspelled_buffer_is_reported_once_and_the_model_holds_no_buffer() {
    let source = CLIMATE.replace("buffer = \"SingleLatest\"", "buffer = \"SingleLatets\"");
    let (system, found) = check_source(&source);
    let buffers: Vec<_> = found
        .iter()
        .filter(|d| d.message.contains("buffer"))
        .collect();
    assert_eq!(buffers.len(), 2, "one per misspelled record: {found:#?}");
    assert!(
        found.iter().all(|d| !d.message.contains("has no buffer")),
        "{found:#?}"
    );
    let system = system.expect("a bad field leaves the rest of the system to check");
    let dashboard = system.nodes.iter().find(|n| n.name() == "dashboard");
    let dashboard = dashboard.expect("the dashboard node");
    assert!(dashboard.topology.records[0].buffers.is_empty());
    assert!(dashboard.topology.records[0].buffer_reported);
}
