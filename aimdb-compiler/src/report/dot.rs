//! Graphviz DOT: a `cluster_` subgraph per node, a box per record (owners bold), an edge per
//! link labelled with its address.

use std::fmt::Write as _;

use super::{node_title, picture};
use crate::model::System;

/// A DOT double-quoted string.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The system as a DOT digraph.
pub fn render(system: &System) -> String {
    let picture = picture(system);
    let mut out = String::from(
        "digraph system {\n    rankdir=LR;\n    node [shape=box, fontname=\"Helvetica\"];\n    edge [fontname=\"Helvetica\"];\n",
    );
    for (node, boxes) in &picture.nodes {
        let id = super::ident(node.name());
        let _ = writeln!(out, "    subgraph cluster_{id} {{");
        let _ = writeln!(out, "        label={};", quoted(&node_title(node)));
        for b in boxes {
            let mut label = b.title.clone();
            for line in &b.lines {
                label.push('\n');
                label.push_str(line);
            }
            let style = if b.owner {
                ", style=bold, penwidth=2"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "        {} [label={}{style}];",
                b.id,
                quoted(&label).replace('\n', "\\n")
            );
        }
        out.push_str("    }\n");
    }
    for (id, url) in &picture.outside {
        let _ = writeln!(
            out,
            "    {id} [label={}, shape=ellipse, style=dashed];",
            quoted(&format!("{url}\n(outside this file)")).replace('\n', "\\n")
        );
    }
    for edge in &picture.edges {
        let _ = writeln!(
            out,
            "    {} -> {} [label={}{}];",
            edge.from,
            edge.to,
            quoted(&edge.url),
            if edge.local { ", style=dashed" } else { "" }
        );
    }
    out.push_str("}\n");
    out
}
