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

use crate::finding::{CodecClash, Ctxt, Finding, LinkPlace};
use crate::model::{Direction, LinkEnd, Runtime, System};
use crate::suggest::did_you_mean;

/// A link end with its node and its address's identity.
#[derive(Clone)]
struct End {
    /// The node, or the node's instance (`sensor[zone-a]`).
    node: String,
    link: LinkEnd,
    identity: String,
}

impl End {
    /// The end as a finding names it.
    fn place(&self) -> LinkPlace {
        LinkPlace {
            node: self.node.clone(),
            record: self.link.record.clone(),
            value_type: self.link.value_type.clone(),
            url: self.link.url.clone(),
            identity: self.identity.clone(),
            span: self.link.span,
        }
    }
}

pub(super) fn check(system: &System, cx: &Ctxt) {
    // A templated address (an instanced node's, a family's) once per instance.
    let ends: Vec<End> = system
        .nodes
        .iter()
        .flat_map(|n| n.links().into_iter().flat_map(|link| link.expand(n.name())))
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
            Some(first) if first.node != end.node => cx.report(Finding::TwoWriters {
                first: first.place(),
                second: end.place(),
            }),
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
                cx.report(Finding::NoWriter {
                    reader: reader.place(),
                    close: close_writer(reader, &writers).map(End::place),
                });
            }
            Some(writer) if reader.link.external => cx.report(Finding::ExternalButWritten {
                writer: writer.place(),
                reader: reader.place(),
            }),
            Some(writer) => {
                let (w, r) = (writer.place(), reader.place());
                if writer.link.value_type != reader.link.value_type {
                    cx.report(Finding::TypeMismatch {
                        writer: w,
                        reader: r,
                    });
                } else if let Some(clash) = codec_clash(writer, reader) {
                    cx.report(Finding::CodecMismatch {
                        writer: w,
                        reader: r,
                        clash,
                    });
                } else if let Some(conflict) = options_conflict(writer, reader) {
                    cx.report(Finding::OptionsConflict {
                        writer: w,
                        reader: r,
                        option: conflict.option,
                        reason: conflict.reason.to_string(),
                    });
                }
            }
        }
    }
    ws_peers(system, &ends, cx);
}

/// A browser node's `ws://` links go to one host node's ws connector (the browser is given
/// one server to dial): the other end of each of its `ws://` ends must be on a tokio node,
/// and on the same one for all of them.
fn ws_peers(system: &System, ends: &[End], cx: &Ctxt) {
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
                if runtime_of(&other.node) != Some(Runtime::Tokio) {
                    cx.report(Finding::WsNotHost {
                        own: own.place(),
                        other: other.place(),
                    });
                    continue;
                }
                match host {
                    None => host = Some(other),
                    Some(first) if first.node == other.node => {}
                    Some(first) => {
                        cx.report(Finding::WsTwoHosts {
                            own: own.place(),
                            first: first.place(),
                            other: other.place(),
                        });
                        break;
                    }
                }
            }
        }
    }
}

/// Options at the two ends of one address that the connector says cannot both hold.
fn options_conflict(writer: &End, reader: &End) -> Option<aimdb_core::address::Conflict> {
    let row = writer.link.url.scheme_row()?;
    (row.conflict)(&writer.link.url.address, &reader.link.url.address)
}

/// A written address that would fix an unwritten read: one another node writes, carrying
/// this record type, close to the read one.
fn close_writer<'e>(reader: &End, writers: &HashMap<&str, &'e End>) -> Option<&'e End> {
    // In file order, so a tie between two close addresses is broken the same way each run.
    let mut written: Vec<(&str, usize)> = writers
        .iter()
        .filter(|(_, end)| end.node != reader.node && end.link.value_type == reader.link.value_type)
        .map(|(url, end)| (*url, end.link.span.position().1))
        .collect();
    written.sort_by_key(|(_, at)| *at);
    let close = did_you_mean(&reader.identity, written.into_iter().map(|(url, _)| url))?;
    Some(writers[close])
}

fn codec_clash(writer: &End, reader: &End) -> Option<CodecClash> {
    let (w, r) = (&writer.link, &reader.link);
    Some(match (&w.codec_name, &r.codec_name) {
        (Some(wn), Some(rn)) if wn.text != rn.text => {
            CodecClash::Names(wn.text.clone(), rn.text.clone())
        }
        (Some(_), Some(_)) => return None,
        (Some(name), None) | (None, Some(name)) => {
            CodecClash::OneNamed(name.text.clone(), w.codec_name.is_some())
        }
        (None, None) => {
            let (wf, rf) = (w.codec_function.as_ref()?, r.codec_function.as_ref()?);
            if parent(&wf.text) == parent(&rf.text) {
                return None;
            }
            CodecClash::Functions(wf.text.clone(), rf.text.clone())
        }
    })
}

/// A path without its last segment (`Temperature::to_bytes` → `Temperature`; `f` → ``).
fn parent(path: &str) -> &str {
    path.rsplit_once("::").map_or("", |(parent, _)| parent)
}
