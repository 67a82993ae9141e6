//! A whole system: every node of a topology file, the records they share and the ends of
//! their links. The whole-system checks (`crate::system`) and the reports
//! (`crate::report`) read it; the file front end (`crate::file`) fills it.

use super::template::substitute;
use super::{Codec, ContractPin, Name, Record, Runtime, Topology, TypeRef, Url};
use crate::diagnostic::Span;

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

    /// Every `link_to` and `link_from` of the node, as the system checks see them.
    pub fn links(&self) -> Vec<LinkEnd> {
        link_ends(&self.topology.records, &self.topology.node.instances)
    }
}

/// The link ends of `records` (each record's `link_to`s, then its `link_from`s) on a node
/// with `instances`: a templated URL ranges over the node's instances, or over the
/// family's at an observer.
pub fn link_ends(records: &[Record], instances: &[String]) -> Vec<LinkEnd> {
    let mut ends = Vec::new();
    for record in records {
        let to = record.links_to.iter().map(|l| {
            let function = match &l.serializer {
                Codec::Given(f) => Some(f),
                _ => None,
            };
            (
                Direction::To,
                &l.url,
                function,
                &l.codec_name,
                false,
                l.span,
            )
        });
        let from = record.links_from.iter().map(|l| {
            let function = match &l.deserializer {
                Codec::Given(f) => Some(f),
                _ => None,
            };
            (
                Direction::From,
                &l.url,
                function,
                &l.codec_name,
                l.external,
                l.span,
            )
        });
        for (direction, url, function, codec_name, external, span) in to.chain(from) {
            let templated = url.template.is_some();
            ends.push(LinkEnd {
                direction,
                record: record
                    .name
                    .as_ref()
                    .map_or_else(String::new, |n| n.text.clone()),
                key: record.key.id.clone(),
                value_type: record.value_type.text.clone(),
                url: url.clone(),
                codec_function: function.map(|f| Name {
                    text: f.text.clone(),
                    span: f.span,
                }),
                codec_name: codec_name.clone(),
                external,
                span,
                instances: match (templated, instances.is_empty()) {
                    (false, _) => Vec::new(),
                    (true, true) => record.family.clone(),
                    (true, false) => instances.to_vec(),
                },
                instanced_node: templated && !instances.is_empty(),
            });
        }
    }
    ends
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

impl LinkEnd {
    /// The end once per instance, for the whole-system checks: `(who, end)`, `who` naming
    /// the node's instance (`sensor[zone-a]`) on an instanced node, else the node. An end
    /// without a template is itself.
    pub fn expand(&self, node: &str) -> Vec<(String, LinkEnd)> {
        let Some(template) = self.url.template.as_deref() else {
            return vec![(node.to_owned(), self.clone())];
        };
        self.instances
            .iter()
            .enumerate()
            .map(|(index, instance)| {
                let address = substitute(template, instance, index);
                let scheme = self.url.scheme.as_deref().unwrap_or("");
                let mut end = self.clone();
                end.url = Url {
                    text: format!("{scheme}://{address}"),
                    address,
                    template: None,
                    ..self.url.clone()
                };
                let who = if self.instanced_node {
                    format!("{node}[{instance}]")
                } else {
                    node.to_owned()
                };
                (who, end)
            })
            .collect()
    }
}
