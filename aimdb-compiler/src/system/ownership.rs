//! One authoritative producer per key across the whole system. Keys are strings in a
//! topology file, so two nodes' records are the same record exactly when their keys match.
//! `link_from` observes a record produced elsewhere and is not an authority.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Span};
use crate::model::ProducerKind;
use crate::model::System;

/// A node's authoritative producer of a key.
struct Authority<'a> {
    node: &'a str,
    label: String,
    span: Span,
}

pub(super) fn check(system: &System, diagnostics: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, Authority<'_>> = HashMap::new();
    for node in &system.nodes {
        for record in &node.topology.records {
            // Only the node's first authority: two on one node is the node check's report.
            let Some(producer) = record
                .producers()
                .into_iter()
                .find(|p| p.kind != ProducerKind::LinkFrom)
            else {
                continue;
            };
            let key = record.key.id.as_str();
            // In the file's words: `source = "f"`, or the transform's field.
            let label = match (producer.kind, record.sources.first()) {
                (ProducerKind::Source, Some(source)) => {
                    format!("source = \"{}\"", source.function.text)
                }
                (ProducerKind::SourceHandle, _) => "source_handle = true".to_owned(),
                _ => producer
                    .label
                    .trim_start_matches('.')
                    .replace("transform_join(..)", "join")
                    .replace("(..)", ""),
            };
            let here = Authority {
                node: node.name(),
                label,
                span: producer.span,
            };
            match first.get(key) {
                Some(owner) if owner.node != here.node => {
                    diagnostics.push(two_owners(key, owner, &here));
                }
                Some(_) => {}
                None => {
                    first.insert(key, here);
                }
            }
        }
    }
}

fn two_owners(key: &str, owner: &Authority<'_>, second: &Authority<'_>) -> Diagnostic {
    Diagnostic::error(
        second.span,
        format!(
            "record `{key}` has two producers in this system: `{}` on node `{}` and `{}` on node `{}`",
            second.label, second.node, owner.label, owner.node
        ),
    )
    .help(format!(
        "every key has exactly one authoritative producer: keep the producer on node `{}` and observe the record on node `{}` with `link_from`; if both nodes really write it, give each its own record (key) and join them into this one on one node (an arbiter)",
        owner.node, second.node
    ))
    .note_at(
        owner.span,
        format!("node `{}` produces `{key}` here", owner.node),
    )
}
