//! Links across nodes: one writer per address, a writer for every read address (unless
//! `external`), and both ends agreeing on the record type, the codec and the options.
//!
//! An address is its connector's identity of it (`Url::identity`): `mqtt://a/b` and
//! `mqtt://a/b?qos=0` are one topic on the broker, so one address with one writer.
//! Options may differ per end where the connector allows it; where they contradict each
//! other (the scheme's `conflict`, e.g. a reader asking for a higher QoS than the writer
//! publishes with) it is an error naming both ends.
//!
//! A browser node's `ws://` ends all meet one host (tokio) node's: its ws connector dials
//! one server.
//!
//! Codec agreement: when both ends name their wire format (`codec = "..."`), the names
//! must be equal. When neither does, the serializer and the deserializer must come from one
//! codec: their paths must have the same parent (`Temperature::to_bytes` and
//! `Temperature::from_bytes`; `wire::encode` and `wire::decode`). When only one end names
//! it, the other end must name it too.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::model::Runtime;
use crate::model::{Direction, LinkEnd, System};
use crate::suggest::did_you_mean;

/// A link end with its node and its address's identity.
#[derive(Clone)]
struct End {
    /// The node, or the node's instance (`sensor[zone-a]`).
    node: String,
    link: LinkEnd,
    identity: String,
}

pub(super) fn check(system: &System, diagnostics: &mut Vec<Diagnostic>) {
    // A templated address (an instanced node's, a family's) once per instance.
    let ends: Vec<End> = system
        .nodes
        .iter()
        .flat_map(|n| n.links.iter().flat_map(|link| link.expand(n.name())))
        .map(|(node, link)| End {
            identity: link.identity(),
            node,
            link,
        })
        .collect();
    // The first writer of each address; later writers on other nodes are errors.
    let mut writers: HashMap<&str, &End> = HashMap::new();
    for end in ends.iter().filter(|e| e.link.direction == Direction::To) {
        match writers.get(end.identity.as_str()) {
            Some(first) if first.node != end.node => diagnostics.push(two_writers(first, end)),
            Some(_) => {} // the same node twice: the node check reports it
            None => {
                writers.insert(end.identity.as_str(), end);
            }
        }
    }
    // A templated reader (a family) is reported once, at its first unwritten instance.
    let mut unwritten: Vec<crate::diagnostic::Span> = Vec::new();
    for reader in ends.iter().filter(|e| e.link.direction == Direction::From) {
        match writers.get(reader.identity.as_str()) {
            None if unwritten
                .iter()
                .any(|s| s.position() == reader.link.span.position()) => {}
            None if reader.link.external => {}
            // A placeholder left in the address was refused where it is written.
            None if reader.link.url.address.contains('{') => {}
            // Written by a node left out for an error of its own: that error is the cause.
            None if system.unchecked_links.iter().any(|l| {
                l.direction == Direction::To
                    && (l.identity() == reader.identity || l.key == reader.link.key)
            }) => {}
            None => {
                unwritten.push(reader.link.span);
                diagnostics.push(no_writer(reader, &writers));
            }
            Some(writer) if reader.link.external => {
                diagnostics.push(external_but_written(writer, reader));
            }
            Some(writer) => {
                if writer.link.value_type != reader.link.value_type {
                    diagnostics.push(type_mismatch(writer, reader));
                } else if let Some(diagnostic) = codec_mismatch(writer, reader) {
                    diagnostics.push(diagnostic);
                } else if let Some(diagnostic) = options_conflict(writer, reader) {
                    diagnostics.push(diagnostic);
                }
            }
        }
    }
    ws_peers(system, &ends, diagnostics);
}

/// A browser node's `ws://` links go to one host node's ws connector (the browser is given
/// one server to dial): the other end of each of its `ws://` ends must be on a tokio node,
/// and on the same one for all of them.
fn ws_peers(system: &System, ends: &[End], diagnostics: &mut Vec<Diagnostic>) {
    let runtime_of = |node: &str| {
        let name = node.split('[').next().unwrap_or(node);
        system
            .nodes
            .iter()
            .find(|n| n.name() == name)
            .map(|n| n.runtime())
    };
    for browser in system.nodes.iter().filter(|n| n.runtime() == Runtime::Wasm) {
        let mut host: Option<&End> = None;
        let own_ends = ends.iter().filter(|e| {
            e.node.split('[').next() == Some(browser.name())
                && e.link.url.scheme.as_deref() == Some("ws")
        });
        for own in own_ends {
            let others = ends.iter().filter(|e| {
                e.identity == own.identity
                    && e.node != own.node
                    && e.link.direction != own.link.direction
            });
            for other in others {
                let runtime = runtime_of(&other.node);
                if runtime != Some(Runtime::Tokio) {
                    diagnostics.push(
                        Diagnostic::error(
                            own.link.url.span,
                            format!(
                                "browser node `{}` links \"{}\" with node `{}`, which is not a host (tokio) node",
                                own.node, own.link.url.text, other.node
                            ),
                        )
                        .help("a browser node's ws:// links go to a host (tokio) node's ws connector, which serves them at `/link/PATH`; link two browsers through a host node or over mqtt://")
                        .note_at(other.link.url.span, format!("node `{}` has the other end here", other.node)),
                    );
                    continue;
                }
                match host {
                    None => host = Some(other),
                    Some(first) if first.node == other.node => {}
                    Some(first) => {
                        diagnostics.push(
                            Diagnostic::error(
                                own.link.url.span,
                                format!(
                                    "browser node `{}` links ws:// with two host nodes: `{}` (\"{}\") and `{}` (\"{}\")",
                                    own.node, first.node, first.link.url.text, other.node, own.link.url.text
                                ),
                            )
                            .help("a browser node's ws connector dials one host's server: link all its ws:// records through one host node")
                            .note_at(first.link.url.span, format!("node `{}` has this one", first.node)),
                        );
                        break;
                    }
                }
            }
        }
    }
}

fn two_writers(first: &End, second: &End) -> Diagnostic {
    let url = &second.link.url.text;
    // Two spellings of one address: say so, it is why the texts differ.
    let same = if first.link.url.text == *url {
        String::new()
    } else {
        format!(
            "; \"{url}\" is the address \"{}\": options do not make another address",
            second.identity
        )
    };
    Diagnostic::error(
        second.link.span,
        format!(
            "link address \"{url}\" is written by two nodes: `{}` (record `{}`) and `{}` (record `{}`){same}",
            second.node, second.link.record, first.node, first.link.record
        ),
    )
    .help(format!(
        "an address has exactly one writer (`link_to`) in a system: publish from node `{}` only, or give node `{}` an address of its own",
        first.node, second.node
    ))
    .note_at(
        first.link.span,
        format!("node `{}` writes \"{}\" here", first.node, first.link.url.text),
    )
}

/// Options at the two ends of one address that the connector says cannot both hold.
fn options_conflict(writer: &End, reader: &End) -> Option<Diagnostic> {
    let row = writer.link.url.scheme_row()?;
    let conflict = (row.conflict)(&writer.link.url.address, &reader.link.url.address)?;
    let option = conflict.option;
    Some(
        Diagnostic::error(
            reader.link.url.span,
            format!(
                "the ends of \"{}\" contradict each other on `{option}`: node `{}` reads \"{}\", node `{}` writes \"{}\"",
                reader.identity, reader.node, reader.link.url.text, writer.node, writer.link.url.text
            ),
        )
        .help(format!("{}: give both ends the same `{option}`, or lower the reader's", conflict.reason))
        .note_at(writer.link.url.span, format!("node `{}` writes \"{}\" here", writer.node, writer.link.url.text)),
    )
}

fn no_writer(reader: &End, writers: &HashMap<&str, &End>) -> Diagnostic {
    let url = &reader.link.url.text;
    // In file order, so a tie between two close addresses is broken the same way each run.
    // Only an address that would fix it: one another node writes, carrying this record type.
    let mut written: Vec<(&str, usize)> = writers
        .iter()
        .filter(|(_, end)| end.node != reader.node && end.link.value_type == reader.link.value_type)
        .map(|(url, end)| (*url, start(end.link.span)))
        .collect();
    written.sort_by_key(|(_, at)| *at);
    let written = written.into_iter().map(|(url, _)| url);
    let help = match did_you_mean(&reader.identity, written) {
        Some(close) => format!(
            "did you mean \"{}\" (written by node `{}`)? if the writer is outside this file, add `external = true` to this link",
            writers[close].link.url.text, writers[close].node
        ),
        None => "link it from an address some node writes with `link_to`, or add `external = true` to this link if the writer is outside this file".to_owned(),
    };
    Diagnostic::error(
        reader.link.url.span,
        format!(
            "node `{}` reads \"{url}\" (record `{}`), but no node in this file writes it",
            reader.node, reader.link.record
        ),
    )
    .help(help)
}

fn external_but_written(writer: &End, reader: &End) -> Diagnostic {
    let url = &reader.link.url.text;
    Diagnostic::error(
        reader.link.span,
        format!(
            "node `{}` declares \"{url}\" external, but node `{}` in this file writes it",
            reader.node, writer.node
        ),
    )
    .help("remove `external = true`: the writer is part of this system, so its record type and codec are checked against this end")
    .note_at(writer.link.span, format!("node `{}` writes \"{url}\" here", writer.node))
}

fn type_mismatch(writer: &End, reader: &End) -> Diagnostic {
    let url = &reader.link.url.text;
    Diagnostic::error(
        reader.link.span,
        format!(
            "the ends of \"{url}\" carry different record types: node `{}` reads it into `{}` (record `{}`), node `{}` writes `{}` (record `{}`)",
            reader.node, reader.link.value_type, reader.link.record,
            writer.node, writer.link.value_type, writer.link.record
        ),
    )
    .help(format!(
        "both ends of a link carry one record type: read \"{url}\" into a record of type `{}`, or link this record from another address",
        writer.link.value_type
    ))
    .note_at(writer.link.span, format!("node `{}` writes `{}` here", writer.node, writer.link.value_type))
}

fn codec_mismatch(writer: &End, reader: &End) -> Option<Diagnostic> {
    let url = &reader.link.url.text;
    let (w, r) = (&writer.link, &reader.link);
    let problem = match (&w.codec_name, &r.codec_name) {
        (Some(wn), Some(rn)) if wn.text != rn.text => format!(
            "node `{}` writes it as codec \"{}\", node `{}` reads it as codec \"{}\"",
            writer.node, wn.text, reader.node, rn.text
        ),
        (Some(_), Some(_)) => return None,
        (Some(name), None) | (None, Some(name)) => {
            let (named, unnamed) = if w.codec_name.is_some() {
                (writer, reader)
            } else {
                (reader, writer)
            };
            format!(
                "node `{}` names its codec \"{}\" but node `{}` names none",
                named.node, name.text, unnamed.node
            )
        }
        (None, None) => {
            let (wf, rf) = (w.codec_function.as_ref()?, r.codec_function.as_ref()?);
            if parent(&wf.text) == parent(&rf.text) {
                return None;
            }
            format!(
                "node `{}` serializes with `{}`, node `{}` deserializes with `{}`",
                writer.node, wf.text, reader.node, rf.text
            )
        }
    };
    Some(
        Diagnostic::error(reader.link.span, format!("the ends of \"{url}\" do not agree on a codec: {problem}"))
            .help("use the serializer and deserializer of one codec (paths under one type or module, e.g. `Temperature::to_bytes` and `Temperature::from_bytes`), or name the wire format on both ends with the same `codec = \"...\"`")
            .note_at(writer.link.span, format!("node `{}` writes \"{url}\" here", writer.node)),
    )
}

/// A path without its last segment (`Temperature::to_bytes` → `Temperature`; `f` → ``).
fn parent(path: &str) -> &str {
    path.rsplit_once("::").map_or("", |(parent, _)| parent)
}

fn start(span: crate::diagnostic::Span) -> usize {
    match span {
        crate::diagnostic::Span::Text { start, .. } => start,
        crate::diagnostic::Span::Tokens(_) => 0,
    }
}
