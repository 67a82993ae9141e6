//! One authoritative producer per key across the whole system. Keys are strings in a
//! topology file, so two nodes' records are the same record exactly when their keys match.
//! `link_from` observes a record produced elsewhere and is not an authority.

use std::collections::HashMap;

use crate::finding::{Ctxt, Finding, Place, Role};
use crate::model::{ProducerKind, System};

pub(super) fn check(system: &System, cx: &Ctxt) {
    let mut first: HashMap<&str, Place> = HashMap::new();
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
            let here = Place {
                node: node.name().to_owned(),
                role: Role::of(&producer, record),
                span: producer.span,
            };
            match first.get(key) {
                Some(owner) if owner.node != here.node => cx.report(Finding::TwoOwners {
                    key: key.to_owned(),
                    first: owner.clone(),
                    second: here,
                }),
                Some(_) => {}
                None => {
                    first.insert(key, here);
                }
            }
        }
    }
}
