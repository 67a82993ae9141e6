//! Node instances and record families (issue 22, "Fleets").
//!
//! - `[nodes.sensor] instances = ["zone-a", "zone-b"]` or `count = 100`: one node declared
//!   once, built as one image, the instance chosen at start-up. Its keys and link URLs may
//!   carry `{instance}` (the name) and `{index}` (its position, `0`..`N-1`).
//! - A node without instances that uses a record whose key carries `{instance}` observes the
//!   record's *family*: one buffer per instance of the record's producer.
//!
//! Here: reading `instances` / `count`, the placeholders, and a templated link end once per
//! instance; `families.rs` resolves them across the nodes of the file.

use toml::de::DeValue;

use super::reader::{Table, span_of};
use crate::diagnostic::Diagnostic;
use crate::finding::Ctxt;

/// The most instances a node may declare (`count`): each is a buffer at every observer.
pub const MAX_INSTANCES: usize = 4096;

/// `instances = [..]` or `count = N`, if given: the instance names.
pub(super) fn parse(table: &Table<'_, '_>, cx: &Ctxt) -> Vec<String> {
    let node = table.what.clone();
    match (table.get("instances"), table.get("count")) {
        (Some(_), Some((span, _))) => {
            cx.push(
                Diagnostic::error(span, format!("{node} has both `instances` and `count`"))
                    .help("name the instances (`instances = [\"zone-a\", \"zone-b\"]`) or count them (`count = 100`, named `0`..`99`), not both"),
            );
            Vec::new()
        }
        (Some((_, value)), None) => named(value, &node, cx),
        (None, Some((_, value))) => counted(value, &node, cx),
        (None, None) => Vec::new(),
    }
}

fn named(value: &super::reader::Value<'_>, node: &str, cx: &Ctxt) -> Vec<String> {
    let DeValue::Array(items) = value.get_ref() else {
        cx.push(
            Diagnostic::error(
                span_of(value),
                format!("`instances` of {node} must be an array of names"),
            )
            .help("write `instances = [\"zone-a\", \"zone-b\"]`"),
        );
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    for item in items.iter() {
        let Some(name) = super::reader::string(item, &format!("an instance of {node}"), cx) else {
            continue;
        };
        let safe = !name.text.is_empty()
            && name
                .text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !safe {
            cx.push(
                Diagnostic::error(name.span, format!("the instance name \"{}\" of {node} is not a single address level", name.text))
                    .help("an instance name goes into keys and MQTT topics: use letters, digits, `-` and `_` (e.g. \"zone-a\")"),
            );
        } else if names.contains(&name.text) {
            cx.push(
                Diagnostic::error(
                    name.span,
                    format!("{node} declares the instance \"{}\" twice", name.text),
                )
                .help("each instance is named once: remove the second one"),
            );
        } else {
            names.push(name.text);
        }
    }
    if names.is_empty() && !items.is_empty() {
        return Vec::new();
    }
    if items.is_empty() {
        cx.push(
            Diagnostic::error(span_of(value), format!("{node} declares no instances"))
                .help("name at least one: `instances = [\"zone-a\"]`, or remove `instances`"),
        );
    }
    names
}

fn counted(value: &super::reader::Value<'_>, node: &str, cx: &Ctxt) -> Vec<String> {
    let count = match value.get_ref() {
        DeValue::Integer(int) => usize::from_str_radix(int.as_str(), int.radix()).ok(),
        _ => None,
    };
    match count {
        Some(count @ 1..=MAX_INSTANCES) => (0..count).map(|i| i.to_string()).collect(),
        _ => {
            cx.push(
                Diagnostic::error(span_of(value), format!("`count` of {node} is not a number of instances"))
                    .help(format!("write a whole number from 1 to {MAX_INSTANCES}: `count = 100` (instances `0`..`99`)")),
            );
            Vec::new()
        }
    }
}
