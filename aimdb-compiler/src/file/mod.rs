//! The topology-file front end: one TOML file describes every node of a system.
//!
//! ```toml
//! [records.reading]                       # a record: its key and Rust value type
//! key = "climate/zone-a/reading"
//! type = "Temperature"
//!
//! [nodes.sensor]                          # a node: runtime and (optional) target triple
//! runtime = "embassy"
//! target = "thumbv7em-none-eabihf"
//!
//! [nodes.sensor.records.reading]          # what the node does with the record
//! buffer = { kind = "SpmcRing", capacity = 256 }
//! source = "read_temperature_loop"
//! link_to = [{ url = "mqtt://climate/zone-a/reading", serializer = "Temperature::to_bytes" }]
//! ```
//!
//! The file is parsed into one [`Topology`] per node (the same model the `topology!{}` token
//! grammar fills), every element carrying a [`Span::Text`] into the file, plus the facts only
//! a file has: the records' keys as strings, each link end's codec name and `external` flag.
//! [`check_source`] runs every per-node check and the [whole-system checks](crate::system);
//! [`macro_form`] is the `topology!(file = "..", node = "..")` entry point.
//! The format's reference page is `docs/topology-file.md`.

mod families;
mod instances;
mod located;
pub use instances::{MAX_INSTANCES, family_filter, substitute};
pub mod macro_form;
mod node_record;
mod nodes;
mod reader;
mod records;
mod rust;
mod schema;
mod transforms;

use crate::diagnostic::{Diagnostic, Span};
use crate::model::{ContractPin, Name, Runtime, Topology, TypeRef, Url};

/// A whole system as read from one topology file.
#[derive(Clone, Debug)]
pub struct System {
    /// The `[records.NAME]` tables, in file order.
    pub records: Vec<RecordDecl>,
    /// The `[nodes.NAME]` tables, in file order.
    pub nodes: Vec<NodeDecl>,
    /// The link ends of nodes left out for an error in their name or runtime (reported
    /// where it is): not checked, but other nodes' links to them are not reported as
    /// having no writer, a consequence of that one error.
    pub unchecked_links: Vec<LinkEnd>,
}

/// `[records.NAME]`: a record of the system, with its key and value type.
#[derive(Clone, Debug)]
pub struct RecordDecl {
    /// The table's name (`reading`), which nodes use to refer to it.
    pub name: Name,
    /// The key string (`climate/zone-a/reading`), with the place of the string.
    pub key: Name,
    /// The value type.
    pub value_type: TypeRef,
    /// `accepts = [..]`: the older versions of the value type its readers accept, newest
    /// first.
    pub accepts: Vec<TypeRef>,
    /// `contract = "d2660728cb357589"`: the value type's fingerprint, pinned.
    pub contract: Option<ContractPin>,
}

/// `[nodes.NAME]`: one node, as the model of its topology plus its link ends.
#[derive(Clone, Debug)]
pub struct NodeDecl {
    /// The node's model, checked and emitted like an inline `topology!{}`.
    pub topology: Topology,
    /// `target = "..."`, if given.
    pub target: Option<Name>,
    /// Every `link_to` and `link_from` of the node, with what the system checks need.
    pub links: Vec<LinkEnd>,
    /// Where the node's table starts.
    pub span: Span,
    /// Whether the node's table has `instances` or `count` (refused ones included).
    pub instances_written: bool,
}

impl NodeDecl {
    /// The node's name.
    pub fn name(&self) -> &str {
        &self.topology.node.name.text
    }

    /// The node's runtime.
    pub fn runtime(&self) -> Runtime {
        self.topology.node.runtime
    }
}

/// Which way a link carries values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `link_to`: this node writes the address.
    To,
    /// `link_from`: this node reads the address.
    From,
}

/// One end of a link, as declared on a node's record.
#[derive(Clone, Debug)]
pub struct LinkEnd {
    /// `link_to` or `link_from`.
    pub direction: Direction,
    /// The record's name in the file (`reading`).
    pub record: String,
    /// The record's key.
    pub key: String,
    /// The record's value type, as written in `[records.NAME]`.
    pub value_type: String,
    /// The URL.
    pub url: Url,
    /// The serializer (`link_to`) or deserializer (`link_from`) path as written, if given.
    pub codec_function: Option<Name>,
    /// `codec = "name"`, the wire format's name, if given.
    pub codec_name: Option<Name>,
    /// `external = true` on a `link_from`: the writer is outside this file.
    pub external: bool,
    /// The link's table (the `{ url = .. }` value).
    pub span: Span,
    /// The instances a templated URL (`url.template`) ranges over: the node's own, or the
    /// family's at an observer. Empty without a template.
    pub instances: Vec<String>,
    /// Whether the end is on an instanced node (its writers are `node[instance]`).
    pub instanced_node: bool,
}

impl LinkEnd {
    /// The address as its connector sees it: `scheme://identity`, options left out
    /// ([`Url::identity`]); the URL text when the address does not parse (the node's link
    /// check reports that).
    pub fn identity(&self) -> String {
        // A template (a fleet's address) is one place per instance: named as written.
        if let Some(template) = &self.url.template {
            let topic = template.split('?').next().unwrap_or(template);
            return format!("{}://{topic}", self.url.scheme.as_deref().unwrap_or(""));
        }
        let way = match self.direction {
            Direction::To => aimdb_core::address::Direction::Outbound,
            Direction::From => aimdb_core::address::Direction::Inbound,
        };
        self.url
            .identity(way)
            .unwrap_or_else(|| self.url.text.clone())
    }
}

/// What reading a file produced: the system if the file was readable TOML of the right
/// shape, and every diagnostic found on the way (the system may still be checked).
#[derive(Debug)]
pub struct Parsed {
    /// The system, when the file could be read.
    pub system: Option<System>,
    /// Errors found while reading.
    pub diagnostics: Vec<Diagnostic>,
}

/// Read a topology file's text into a [`System`].
pub fn parse(source: &str) -> Parsed {
    schema::parse(source)
}

/// Parse and check a topology file: every per-node check on every node, then the
/// whole-system checks. Each per-node finding gets a note naming its node.
pub fn check_source(source: &str) -> (Option<System>, Vec<Diagnostic>) {
    let parsed = parse(source);
    let mut diagnostics = parsed.diagnostics;
    let Some(system) = parsed.system else {
        return (None, diagnostics);
    };
    for node in &system.nodes {
        for mut diagnostic in crate::check::check(&node.topology) {
            if let Some(help) = crate::system::refine(&system, node, &diagnostic) {
                diagnostic.help = Some(help);
            }
            diagnostics.push(diagnostic.note(format!(
                "in node `{}` ({})",
                node.name(),
                node.runtime().name()
            )));
        }
    }
    diagnostics.extend(crate::system::check(&system));
    // File order: a reader fixes the file top to bottom.
    diagnostics.sort_by_key(|d| match d.span {
        Span::Text { start, .. } => start,
        Span::Tokens(_) => 0,
    });
    (Some(system), diagnostics)
}

#[cfg(test)]
mod instance_tests;
#[cfg(test)]
mod tests;
