//! Mermaid `flowchart LR`: a subgraph per node, a box per record (owners drawn bold), an
//! edge per link labelled with its address.

use std::fmt::Write as _;

use super::{node_title, picture};
use crate::model::System;

/// Label text with Mermaid's entity codes for the characters that end or break a label.
fn escape(text: &str) -> String {
    text.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

/// The system as a Mermaid flowchart.
pub fn render(system: &System) -> String {
    let picture = picture(system);
    let mut out = String::from("flowchart LR\n");
    for (node, boxes) in &picture.nodes {
        let id = super::ident(node.name());
        let _ = writeln!(out, "    subgraph {id}[\"{}\"]", escape(&node_title(node)));
        for b in boxes {
            let mut label = escape(&b.title);
            for line in &b.lines {
                let _ = write!(label, "<br/>{}", escape(line));
            }
            let _ = writeln!(out, "        {}[\"{label}\"]", b.id);
        }
        out.push_str("    end\n");
    }
    for (id, url) in &picture.outside {
        let _ = writeln!(out, "    {id}([\"{} (outside this file)\"])", escape(url));
    }
    for edge in &picture.edges {
        // A link is a solid arrow; a transform or join input inside a node is dotted.
        let (open, close) = if edge.local {
            ("-.", ".->")
        } else {
            ("--", "-->")
        };
        let _ = writeln!(
            out,
            "    {} {open} \"{}\" {close} {}",
            edge.from,
            escape(&edge.url),
            edge.to
        );
    }
    let owners: Vec<&str> = picture
        .nodes
        .iter()
        .flat_map(|(_, boxes)| boxes.iter().filter(|b| b.owner).map(|b| b.id.as_str()))
        .collect();
    if !owners.is_empty() {
        out.push_str("    classDef owner stroke-width:3px,font-weight:bold\n");
        let _ = writeln!(out, "    class {} owner", owners.join(","));
    }
    out
}
