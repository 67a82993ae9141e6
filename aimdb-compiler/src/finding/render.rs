//! Findings in words: the message, the `help:` with the fix, and a note at each related
//! place. Every message names both nodes, points at the second place and notes the first.

use super::{CodecClash, Finding, LinkPlace, Words};
use crate::diagnostic::Diagnostic;

/// `finding` as a diagnostic in `words`.
pub(super) fn render(finding: &Finding, words: Words) -> Diagnostic {
    match finding {
        Finding::Unproduced {
            key,
            reader,
            span,
            close,
            owner_help,
        } => {
            let reader = match reader {
                super::Role::Input(_) => reader.words(words),
                _ => format!("`{}`", reader.words(words)),
            };
            let mut help = match words {
                Words::Builder => "give it a producer: `.source(f)` on this node, or `.link_from(\"scheme://address\")` with `.with_deserializer_raw(f)` to observe it from the node that produces it",
                Words::File => "give it a producer: `source = \"f\"` on this node, or `link_from = { url = \"scheme://address\", deserializer = \"...\" }` to observe it from the node that produces it",
            }
            .to_owned();
            if let Some(close) = close {
                help = format!("did you mean the record `{close}`? otherwise {help}");
            }
            Diagnostic::error(
                *span,
                format!("record `{key}` is read by {reader} but nothing produces it"),
            )
            .help(owner_help.clone().unwrap_or(help))
        }
        Finding::TwoOwners { key, first, second } => Diagnostic::error(
            second.span,
            format!(
                "record `{key}` has two producers in this system: `{}` on node `{}` and `{}` on node `{}`",
                second.role.words(words), second.node, first.role.words(words), first.node
            ),
        )
        .help(format!(
            "every key has exactly one authoritative producer: keep the producer on node `{}` and observe the record on node `{}` with `{}`; if both nodes really write it, give each its own record (key) and join them into this one on one node (an arbiter)",
            first.node,
            second.node,
            match words {
                Words::Builder => ".link_from(..)",
                Words::File => "link_from",
            }
        ))
        .note_at(first.span, format!("node `{}` produces `{key}` here", first.node)),
        Finding::TwoWriters { first, second } => two_writers(first, second),
        Finding::NoWriter { reader, close } => {
            let help = match close {
                Some(close) => format!(
                    "did you mean \"{}\" (written by node `{}`)? if the writer is outside this file, add `external = true` to this link",
                    close.url.text, close.node
                ),
                None => "link it from an address some node writes with `link_to`, or add `external = true` to this link if the writer is outside this file".to_owned(),
            };
            Diagnostic::error(
                reader.url.span,
                format!(
                    "node `{}` reads \"{}\" (record `{}`), but no node in this file writes it",
                    reader.node, reader.url.text, reader.record
                ),
            )
            .help(help)
        }
        Finding::ExternalButWritten { writer, reader } => {
            let url = &reader.url.text;
            Diagnostic::error(
                reader.span,
                format!(
                    "node `{}` declares \"{url}\" external, but node `{}` in this file writes it",
                    reader.node, writer.node
                ),
            )
            .help("remove `external = true`: the writer is part of this system, so its record type and codec are checked against this end")
            .note_at(writer.span, format!("node `{}` writes \"{url}\" here", writer.node))
        }
        Finding::TypeMismatch { writer, reader } => {
            let url = &reader.url.text;
            Diagnostic::error(
                reader.span,
                format!(
                    "the ends of \"{url}\" carry different record types: node `{}` reads it into `{}` (record `{}`), node `{}` writes `{}` (record `{}`)",
                    reader.node, reader.value_type, reader.record,
                    writer.node, writer.value_type, writer.record
                ),
            )
            .help(format!(
                "both ends of a link carry one record type: read \"{url}\" into a record of type `{}`, or link this record from another address",
                writer.value_type
            ))
            .note_at(writer.span, format!("node `{}` writes `{}` here", writer.node, writer.value_type))
        }
        Finding::CodecMismatch {
            writer,
            reader,
            clash,
        } => codec_mismatch(writer, reader, clash),
        Finding::OptionsConflict {
            writer,
            reader,
            option,
            reason,
        } => Diagnostic::error(
            reader.url.span,
            format!(
                "the ends of \"{}\" contradict each other on `{option}`: node `{}` reads \"{}\", node `{}` writes \"{}\"",
                reader.identity, reader.node, reader.url.text, writer.node, writer.url.text
            ),
        )
        .help(format!("{reason}: give both ends the same `{option}`, or lower the reader's"))
        .note_at(writer.url.span, format!("node `{}` writes \"{}\" here", writer.node, writer.url.text)),
        Finding::WsNotHost { own, other } => Diagnostic::error(
            own.url.span,
            format!(
                "browser node `{}` links \"{}\" with node `{}`, which is not a host (tokio) node",
                own.node, own.url.text, other.node
            ),
        )
        .help("a browser node's ws:// links go to a host (tokio) node's ws connector, which serves them at `/link/PATH`; link two browsers through a host node or over mqtt://")
        .note_at(other.url.span, format!("node `{}` has the other end here", other.node)),
        Finding::WsTwoHosts { own, first, other } => Diagnostic::error(
            own.url.span,
            format!(
                "browser node `{}` links ws:// with two host nodes: `{}` (\"{}\") and `{}` (\"{}\")",
                own.node, first.node, first.url.text, other.node, own.url.text
            ),
        )
        .help("a browser node's ws connector dials one host's server: link all its ws:// records through one host node")
        .note_at(first.url.span, format!("node `{}` has this one", first.node)),
        Finding::RuntimeTarget {
            node,
            runtime,
            target,
            runtime_span,
        } => {
            let (message, help) = if *runtime == "wasm" {
                let wasm = crate::model::WASM_TARGET;
                (
                    format!("node `{node}` runs on wasm, a browser node built for `{wasm}`, but its target is `{}`", target.text),
                    format!("write `target = \"{wasm}\"`, or leave the target out"),
                )
            } else {
                (
                    format!("node `{node}` runs on tokio, which needs an operating system, but its target `{}` has none", target.text),
                    "use `runtime = \"embassy\"` for a bare-metal target, or build the tokio node for a host target".to_owned(),
                )
            };
            Diagnostic::error(target.span, message)
                .help(help)
                .note_at(*runtime_span, format!("node `{node}` chooses {runtime} here"))
        }
        Finding::Node(finding) => super::render_node::render(finding, words),
    }
}

fn two_writers(first: &LinkPlace, second: &LinkPlace) -> Diagnostic {
    let url = &second.url.text;
    // Two spellings of one address: say so, it is why the texts differ.
    let same = if first.url.text == *url {
        String::new()
    } else {
        format!(
            "; \"{url}\" is the address \"{}\": options do not make another address",
            second.identity
        )
    };
    Diagnostic::error(
        second.span,
        format!(
            "link address \"{url}\" is written by two nodes: `{}` (record `{}`) and `{}` (record `{}`){same}",
            second.node, second.record, first.node, first.record
        ),
    )
    .help(format!(
        "an address has exactly one writer (`link_to`) in a system: publish from node `{}` only, or give node `{}` an address of its own",
        first.node, second.node
    ))
    .note_at(
        first.span,
        format!("node `{}` writes \"{}\" here", first.node, first.url.text),
    )
}

fn codec_mismatch(writer: &LinkPlace, reader: &LinkPlace, clash: &CodecClash) -> Diagnostic {
    let url = &reader.url.text;
    let problem = match clash {
        CodecClash::Names(w, r) => format!(
            "node `{}` writes it as codec \"{w}\", node `{}` reads it as codec \"{r}\"",
            writer.node, reader.node
        ),
        CodecClash::OneNamed(name, writer_named) => {
            let (named, unnamed) = if *writer_named {
                (writer, reader)
            } else {
                (reader, writer)
            };
            format!(
                "node `{}` names its codec \"{name}\" but node `{}` names none",
                named.node, unnamed.node
            )
        }
        CodecClash::Functions(w, r) => format!(
            "node `{}` serializes with `{w}`, node `{}` deserializes with `{r}`",
            writer.node, reader.node
        ),
    };
    Diagnostic::error(reader.span, format!("the ends of \"{url}\" do not agree on a codec: {problem}"))
        .help("use the serializer and deserializer of one codec (paths under one type or module, e.g. `Temperature::to_bytes` and `Temperature::from_bytes`), or name the wire format on both ends with the same `codec = \"...\"`")
        .note_at(writer.span, format!("node `{}` writes \"{url}\" here", writer.node))
}
