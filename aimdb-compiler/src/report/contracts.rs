//! Each record's contract as the file states it: the named codecs its links use, the
//! fingerprint the file pins (`contract = ".."`), and the constant each node that carries
//! it on a named-codec link emits. The fingerprint itself is a property of the Rust type,
//! which only rustc sees: a pinned one is checked when the node is built; an unpinned one is
//! known once a node is built (its `RECORD_FINGERPRINT`, printed by the node at start-up).

use crate::model::System;
use crate::model::{Codec, Record};

/// One record's contract.
pub struct Contract {
    /// The `[records.NAME]` name.
    pub record: String,
    /// Its value type as written.
    pub value_type: String,
    /// The named codecs its links use (`postcard`, `json`), each once, in file order.
    pub codecs: Vec<String>,
    /// The fingerprint the file pins, if it does.
    pub pinned: Option<u64>,
    /// `sensor::READING_FINGERPRINT`, for each node with a named-codec link of the record.
    pub constants: Vec<String>,
    /// The older versions its readers accept, newest first.
    pub accepts: Vec<String>,
}

impl Contract {
    /// One line for `aimdb check` and the graphs: `contract d2660728cb357589 (pinned)`.
    pub fn summary(&self) -> Option<String> {
        match (self.pinned, self.codecs.is_empty()) {
            (Some(pinned), _) => Some(format!("contract {pinned:016x}")),
            (None, false) => Some("contract unpinned".to_owned()),
            (None, true) => None,
        }
    }
}

/// The named codec a link end uses, by its type path's last segment (`Postcard` → `postcard`).
fn named(codec: &Codec) -> Option<String> {
    match codec {
        Codec::Named(function) => function
            .text
            .rsplit("::")
            .next()
            .map(|name| name.to_ascii_lowercase()),
        _ => None,
    }
}

fn named_codecs(record: &Record) -> impl Iterator<Item = String> + '_ {
    let to = record.links_to.iter().map(|l| &l.serializer);
    let from = record.links_from.iter().map(|l| &l.deserializer);
    to.chain(from).filter_map(named)
}

/// Every declared record's contract, in file order.
pub fn contracts(system: &System) -> Vec<Contract> {
    system
        .records
        .iter()
        .map(|declared| {
            let mut contract = Contract {
                record: declared.name.text.clone(),
                value_type: declared.value_type.text.clone(),
                codecs: Vec::new(),
                pinned: declared.contract.map(|pin| pin.fingerprint),
                constants: Vec::new(),
                accepts: declared.accepts.iter().map(|t| t.text.clone()).collect(),
            };
            for node in &system.nodes {
                let records = &node.topology.records;
                let idents = crate::codegen::names::statics(records);
                for (record, ident) in records.iter().zip(idents) {
                    if record.key.id != declared.key.text {
                        continue;
                    }
                    let mut any = false;
                    for codec in named_codecs(record) {
                        any = true;
                        if !contract.codecs.contains(&codec) {
                            contract.codecs.push(codec);
                        }
                    }
                    if any || record.contract.is_some() {
                        contract
                            .constants
                            .push(format!("{}::{ident}_FINGERPRINT", node.name()));
                    }
                }
            }
            contract
        })
        .collect()
}
