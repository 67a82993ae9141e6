//! The picture as JSON, for the dashboard page (`aimdb-connectors/web/graph.js` draws it without parsing any
//! diagram text):
//!
//! ```json
//! { "nodes": [{ "id": "sensor", "title": "sensor (embassy)",
//!               "boxes": [{ "id": "sensor__reading", "name": "reading",
//!                           "lines": ["climate/zone-a/reading", ...], "owner": true }] }],
//!   "outside": [{ "id": "out_0", "label": "mqtt://..." }],
//!   "edges": [{ "from": "sensor__reading", "to": "dashboard__reading",
//!               "label": "mqtt://climate/zone-a/reading", "local": false }] }
//! ```

use std::fmt::Write as _;

use super::{node_title, picture};
use crate::model::System;

/// `text` as a JSON string literal.
fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The system's picture as JSON (one line).
pub fn render(system: &System) -> String {
    let picture = picture(system);
    let nodes: Vec<String> = picture
        .nodes
        .iter()
        .map(|(node, boxes)| {
            let boxes: Vec<String> = boxes
                .iter()
                .map(|b| {
                    // The Mermaid title carries " (owner)"; here ownership is its own field.
                    let name = b.title.strip_suffix(" (owner)").unwrap_or(&b.title);
                    let lines: Vec<String> = b.lines.iter().map(|l| string(l)).collect();
                    format!(
                        "{{\"id\":{},\"name\":{},\"lines\":[{}],\"owner\":{}}}",
                        string(&b.id),
                        string(name),
                        lines.join(","),
                        b.owner
                    )
                })
                .collect();
            format!(
                "{{\"id\":{},\"title\":{},\"boxes\":[{}]}}",
                string(&super::ident(node.name())),
                string(&node_title(node)),
                boxes.join(",")
            )
        })
        .collect();
    let outside: Vec<String> = picture
        .outside
        .iter()
        .map(|(id, url)| {
            format!(
                "{{\"id\":{},\"label\":{}}}",
                string(id),
                string(&format!("{url} (outside this file)"))
            )
        })
        .collect();
    let edges: Vec<String> = picture
        .edges
        .iter()
        .map(|e| {
            format!(
                "{{\"from\":{},\"to\":{},\"label\":{},\"local\":{}}}",
                string(&e.from),
                string(&e.to),
                string(&e.url),
                e.local
            )
        })
        .collect();
    format!(
        "{{\"nodes\":[{}],\"outside\":[{}],\"edges\":[{}]}}\n",
        nodes.join(","),
        outside.join(","),
        edges.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_json_requires() {
        assert_eq!(string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        assert_eq!(string("mqtt://x/{instance}"), "\"mqtt://x/{instance}\"");
    }
}
