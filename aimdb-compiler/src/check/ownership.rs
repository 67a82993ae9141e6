//! One authoritative producer per key: the rule the whole product is about.

use super::KeyGroup;
use crate::finding::{Ctxt, NodeFinding, Role};
use crate::model::ProducerRef;

/// Report every producer of a key after its first, and a key configured twice.
pub(super) fn check(groups: &[KeyGroup<'_>], cx: &Ctxt) {
    for group in groups {
        configured_once(group, cx);
        let producers: Vec<(ProducerRef, Role)> = group
            .records
            .iter()
            .flat_map(|r| {
                r.producers().into_iter().map(move |p| {
                    let role = Role::of(&p, r);
                    (p, role)
                })
            })
            .collect();
        if let Some(((first, first_role), rest)) = producers.split_first() {
            for (second, second_role) in rest {
                cx.report(NodeFinding::TwoProducers {
                    key: group.key().to_owned(),
                    first: first_role.clone(),
                    first_span: first.span,
                    second: second_role.clone(),
                    span: second.span,
                });
            }
        }
    }
}

/// One `configure` per key, with one value type.
fn configured_once(group: &KeyGroup<'_>, cx: &Ctxt) {
    let Some((first, rest)) = group.records.split_first() else {
        return;
    };
    let key = group.key();
    for second in rest {
        cx.report(NodeFinding::ConfiguredTwice {
            key: key.to_owned(),
            first: first.key.span,
            span: second.key.span,
        });
        if second.value_type.text != first.value_type.text {
            cx.report(NodeFinding::TwoTypes {
                key: key.to_owned(),
                first: first.value_type.text.clone(),
                first_span: first.value_type.span,
                second: second.value_type.text.clone(),
                span: second.value_type.span,
            });
        }
    }
}
