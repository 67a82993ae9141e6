//! The rules a node's topology must satisfy. Every rule runs and every finding is kept, so
//! one compile reports all of them; each file holds one concern.

pub mod links;
mod ownership;
mod records;
mod transforms;

use crate::diagnostic::Diagnostic;
use crate::finding::{Ctxt, Words};
use crate::model::{Record, Topology};

/// Check a parsed topology, in the builder chain's words; an empty result means it can be
/// emitted.
pub fn check(topology: &Topology) -> Vec<Diagnostic> {
    let cx = Ctxt::new(Words::Builder);
    check_into(topology, &cx);
    cx.into_diagnostics()
}

/// Check a parsed topology, reporting every finding into `cx` (worded by its front end).
pub fn check_into(topology: &Topology, cx: &Ctxt) {
    let groups = group_by_key(&topology.records);
    ownership::check(&groups, cx);
    records::check(topology, &groups, cx);
    links::check(topology, cx);
    transforms::check(topology, cx);
}

/// The RAM budget check alone: a file's node gets its budget from its crate's `memory.x`
/// after the file (which knows no crate) was checked.
pub fn ram_budget(topology: &Topology) -> Vec<Diagnostic> {
    let cx = Ctxt::new(Words::Builder);
    records::ram_budget(topology, &cx);
    cx.into_diagnostics()
}

/// The records of one key, in declaration order (more than one is itself an error).
pub(crate) struct KeyGroup<'a> {
    pub records: Vec<&'a Record>,
}

impl KeyGroup<'_> {
    /// The key as written at its first declaration.
    pub fn key(&self) -> &str {
        &self.records[0].key.id
    }
}

/// Group records by key identity, keeping first-declaration order.
fn group_by_key(records: &[Record]) -> Vec<KeyGroup<'_>> {
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut groups: Vec<KeyGroup<'_>> = Vec::new();
    for record in records {
        match index.get(record.key.id.as_str()) {
            Some(&i) => groups[i].records.push(record),
            None => {
                index.insert(record.key.id.as_str(), groups.len());
                groups.push(KeyGroup {
                    records: vec![record],
                });
            }
        }
    }
    groups
}

/// "at line L, column C" when the span knows its place, else "earlier".
pub(crate) fn at(span: crate::diagnostic::Span) -> String {
    span.describe().map_or_else(
        || "earlier in this topology".to_owned(),
        |place| format!("at {place}"),
    )
}
