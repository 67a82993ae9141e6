//! Pictures of a whole system: [Mermaid](mermaid) (the default), [Graphviz DOT](dot) and
//! [JSON](json) (what the dashboard page draws).
//! Each node is a subgraph holding its records; each key's owner (the node whose `source`
//! or transform produces it) is marked; each link is an edge from the writer's record to
//! the reader's record, labelled with its address. An address with no writer or no reader
//! in the file is drawn as an outside endpoint. A record with a contract says so in its box
//! ([`contracts`]: the pinned fingerprint, or "unpinned").
//!
//! Next to the pictures, [`acl`] writes what the broker enforces: a mosquitto ACL with one
//! user per node, allowed to write what the node owns and read what it observes.

pub mod acl;
pub mod contracts;
pub mod dot;
pub mod json;
pub mod mermaid;

use crate::model::{BufferKind, ProducerKind, Record};
use crate::model::{Direction, NodeDecl, System};

/// A record as drawn: its id (unique in the graph) and its label lines.
pub(crate) struct Box_ {
    /// `sensor__reading`.
    pub id: String,
    /// The first line: the record's name, with `(owner)` for the key's owner.
    pub title: String,
    /// Key, type and buffer.
    pub lines: Vec<String>,
    /// Whether this node owns the key.
    pub owner: bool,
}

/// An edge: a link between two records, or between a record and an outside address.
pub(crate) struct Edge {
    /// Writer box id (or outside endpoint id).
    pub from: String,
    /// Reader box id (or outside endpoint id).
    pub to: String,
    /// The address, or `join` / `transform` for an edge inside a node.
    pub url: String,
    /// An edge inside a node: a transform or join input (drawn dashed).
    pub local: bool,
}

/// Everything a renderer draws.
pub(crate) struct Picture<'a> {
    /// Nodes with their record boxes.
    pub nodes: Vec<(&'a NodeDecl, Vec<Box_>)>,
    /// Links.
    pub edges: Vec<Edge>,
    /// Outside endpoints: id and address.
    pub outside: Vec<(String, String)>,
}

/// An identifier safe in both formats: letters, digits and `_`.
pub(crate) fn ident(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn buffer(record: &Record) -> String {
    match record.buffers.first().map(|b| &b.kind) {
        Some(BufferKind::SpmcRing { capacity, .. }) => format!("SpmcRing({capacity})"),
        Some(BufferKind::Mailbox) => "Mailbox".to_owned(),
        Some(BufferKind::SingleLatest) | None => "SingleLatest".to_owned(),
    }
}

/// Lay out a checked system.
pub(crate) fn picture(system: &System) -> Picture<'_> {
    let name_of = |record: &Record| {
        system
            .records
            .iter()
            .find(|d| d.key.text == record.key.id)
            .map_or_else(|| record.key.id.clone(), |d| d.name.text.clone())
    };
    let contracts = contracts::contracts(system);
    let contract_of = |name: &str| {
        contracts
            .iter()
            .find(|c| c.record == name)
            .and_then(contracts::Contract::summary)
    };
    let nodes = system
        .nodes
        .iter()
        .map(|node| {
            let boxes = node
                .topology
                .records
                .iter()
                .map(|record| {
                    let name = name_of(record);
                    let mut lines = vec![
                        record.key.id.clone(),
                        format!("{}, {}", record.value_type.text, buffer(record)),
                    ];
                    lines.extend(contract_of(&name));
                    let owner = record
                        .producers()
                        .iter()
                        .any(|p| p.kind != ProducerKind::LinkFrom);
                    Box_ {
                        id: format!("{}__{}", ident(node.name()), ident(&name)),
                        title: if owner {
                            format!("{name} (owner)")
                        } else {
                            name
                        },
                        lines,
                        owner,
                    }
                })
                .collect();
            (node, boxes)
        })
        .collect();
    let box_id =
        |node: &NodeDecl, record: &str| format!("{}__{}", ident(node.name()), ident(record));
    // Each end with its address's identity, worked out once.
    let ends: Vec<_> = system
        .nodes
        .iter()
        .flat_map(|n| {
            n.links().into_iter().map(move |l| {
                let identity = l.identity();
                (n, l, identity)
            })
        })
        .collect();
    let mut edges = Vec::new();
    let mut outside: Vec<(String, String)> = Vec::new();
    let mut outside_id = |url: &str| {
        let id = format!("outside__{}", ident(url));
        if !outside.iter().any(|(known, _)| *known == id) {
            outside.push((id.clone(), url.to_owned()));
        }
        id
    };
    for (node, link, identity) in &ends {
        let url = &link.url.text;
        let here = box_id(node, &link.record);
        let other = |direction| {
            ends.iter()
                .filter(move |(_, l, other)| l.direction == direction && other == identity)
                .map(|(n, l, _)| box_id(n, &l.record))
        };
        match link.direction {
            Direction::To => {
                let readers: Vec<_> = other(Direction::From).collect();
                if readers.is_empty() {
                    let to = outside_id(url);
                    edges.push(Edge {
                        from: here.clone(),
                        to,
                        url: url.clone(),
                        local: false,
                    });
                }
                for to in readers {
                    edges.push(Edge {
                        from: here.clone(),
                        to,
                        url: url.clone(),
                        local: false,
                    });
                }
            }
            Direction::From => {
                if other(Direction::To).next().is_none() {
                    let from = outside_id(url);
                    edges.push(Edge {
                        from,
                        to: here,
                        url: url.clone(),
                        local: false,
                    });
                }
            }
        }
    }
    // Transform and join inputs: from the input record to the record produced, in one node.
    for node in &system.nodes {
        for record in &node.topology.records {
            for transform in &record.transforms {
                let label = match transform.kind {
                    crate::model::TransformKind::Single => "transform",
                    crate::model::TransformKind::Join => "join",
                };
                for input in &transform.inputs {
                    edges.push(Edge {
                        from: box_id(node, &name_of_key(system, &input.key.id)),
                        to: box_id(node, &name_of_key(system, &record.key.id)),
                        url: label.to_owned(),
                        local: true,
                    });
                }
            }
        }
    }
    Picture {
        nodes,
        edges,
        outside,
    }
}

/// The subgraph title of a node: `sensor (embassy, thumbv7em-none-eabihf)`.
pub(crate) fn node_title(node: &NodeDecl) -> String {
    match &node.target {
        Some(target) => format!(
            "{} ({}, {})",
            node.name(),
            node.runtime().name(),
            target.text
        ),
        None => format!("{} ({})", node.name(), node.runtime().name()),
    }
}

/// The `[records]` name of a key (the key itself if no record declares it).
fn name_of_key(system: &System, key: &str) -> String {
    system
        .records
        .iter()
        .find(|d| d.key.text == key)
        .map_or_else(|| key.to_owned(), |d| d.name.text.clone())
}
