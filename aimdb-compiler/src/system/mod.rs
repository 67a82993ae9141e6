//! Whole-system checks: what no single node can see, checked over every node of a
//! topology file (after, and on top of, each node's own checks).
//!
//! - [`ownership`]: a key has one authoritative producer (`source`, transform or join)
//!   across all nodes;
//! - [`links`]: a link address is written (`link_to`) by exactly one node; every
//!   `link_from` address is written by some node of the file unless it is declared
//!   `external = true`; both ends of a link carry the same record type and agree on the codec;
//!   a browser node's `ws://` ends all meet one host (tokio) node's;
//! - [`runtime`]: a node's runtime can run on its target (tokio needs an operating system).
//!   A connector the node's runtime cannot run is reported by the node's own link check,
//!   with a note naming the node.
//!
//! Each rule reports a typed [`Finding`] (what, where, the related places); the collector
//! words it for the front end (`crate::finding`): every message names both nodes, points at
//! the second place and notes the first, with a `help:` that says the fix.

pub mod links;
pub mod ownership;
pub mod runtime;

use crate::finding::{Ctxt, Finding};
use crate::model::ProducerKind;
use crate::model::{NodeDecl, System};

/// A better help for a node's finding, from what the whole system knows: a record read
/// but not produced on `node` that another node owns is observed with a `link_from` of the
/// address that node writes, never given a `.source()` (a second producer).
pub fn refine(system: &System, node: &NodeDecl, finding: &mut Finding) {
    if let Finding::Unproduced {
        key, owner_help, ..
    } = finding
    {
        *owner_help = owner_help_of(system, node, key);
    }
}

fn owner_help_of(system: &System, node: &NodeDecl, key: &str) -> Option<String> {
    let (owner, record) = system
        .nodes
        .iter()
        .filter(|other| other.name() != node.name())
        .find_map(|other| {
            let record = other.topology.records.iter().find(|r| {
                r.key.id == *key
                    && r.producers()
                        .iter()
                        .any(|p| p.kind != ProducerKind::LinkFrom)
            })?;
            Some((other, record))
        })?;
    let owner = owner.name();
    Some(match record.links_to.first() {
        Some(link) => format!(
            "node `{owner}` produces `{key}` and writes it to \"{}\": observe it here with `link_from = {{ url = \"{}\", deserializer = \"...\" }}` (a `source` here would be a second producer)",
            link.url.text, link.url.text
        ),
        None => format!(
            "node `{owner}` produces `{key}` but publishes it nowhere: give it a `link_to` there, and a `link_from` of that address here (a `source` here would be a second producer)"
        ),
    })
}

/// Check a whole system, reporting each finding into `cx`: nothing reported means every
/// cross-node rule holds.
pub fn check(system: &System, cx: &Ctxt) {
    ownership::check(system, cx);
    links::check(system, cx);
    runtime::check(system, cx);
}
