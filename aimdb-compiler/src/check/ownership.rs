//! One authoritative producer per key: the rule the whole product is about.

use super::{KeyGroup, at};
use crate::diagnostic::Diagnostic;
use crate::finding::Ctxt;
use crate::model::{ProducerKind, ProducerRef};

/// Report every producer of a key after its first, and a key configured twice.
pub(super) fn check(groups: &[KeyGroup<'_>], cx: &Ctxt) {
    for group in groups {
        configured_once(group, cx);
        let producers: Vec<ProducerRef> =
            group.records.iter().flat_map(|r| r.producers()).collect();
        if let Some((first, rest)) = producers.split_first() {
            for second in rest {
                cx.push(two_producers(group.key(), first, second));
            }
        }
    }
}

/// The error at `second`, which names and locates `first` and says how to fix it.
fn two_producers(key: &str, first: &ProducerRef, second: &ProducerRef) -> Diagnostic {
    use ProducerKind::*;
    let (headline, help) = match (first.kind, second.kind) {
        (Source, LinkFrom) | (LinkFrom, Source) => (
            "`.source()` and `.link_from()` are mutually exclusive",
            "every key has exactly one authoritative producer: if this record is produced on another node, observe it with `.link_from()` alone and remove the `.source()`; if several parties write it, give each writer its own record (key) and join them into this one with an arbiter (`.transform_join()`)",
        ),
        (Source, Source) => (
            "two `.source()`s",
            "keep one `.source()`: if several writers really produce this value, give each writer its own record (key) and join them into this one with an arbiter (`.transform_join()`)",
        ),
        (LinkFrom, LinkFrom) => (
            "two `.link_from()`s",
            "observe the record through one `.link_from()`: each remote writer should own a record of its own (its own key), joined into this one by an arbiter (`.transform_join()`)",
        ),
        (SourceHandle, _) | (_, SourceHandle) => (
            "a `.source_handle()` and another producer",
            "`.source_handle()` declares that code outside the node's tasks produces this record through its one `Producer`: keep it alone, or give the other writer a record of its own (its own key) and join the two in an arbiter (`.transform_join()`)",
        ),
        _ => (
            "a transform and another producer",
            "a transformed record is produced by its transform alone: remove the other producer, or give it a record of its own and make that an input of the transform",
        ),
    };
    Diagnostic::error(
        second.span,
        format!(
            "record `{key}` has two producers ({headline}): this `{}` and `{}` {}",
            second.label,
            first.label,
            at(first.span)
        ),
    )
    .help(help)
    .note_at(
        first.span,
        format!("the first producer of `{key}` is this `{}`", first.label),
    )
}

/// One `configure` per key, with one value type.
fn configured_once(group: &KeyGroup<'_>, cx: &Ctxt) {
    let Some((first, rest)) = group.records.split_first() else {
        return;
    };
    let key = group.key();
    for second in rest {
        cx.push(
            Diagnostic::error(
                second.key.span,
                format!(
                    "record `{key}` is configured twice in this node (first {})",
                    at(first.key.span)
                ),
            )
            .help("configure each record once: merge the two `.configure` chains into one")
            .note_at(first.key.span, format!("`{key}` is first configured here")),
        );
        if second.value_type.text != first.value_type.text {
            cx.push(
                Diagnostic::error(
                    second.value_type.span,
                    format!(
                        "record `{key}` is declared with two value types: `{}` here and `{}` {}",
                        second.value_type.text,
                        first.value_type.text,
                        at(first.value_type.span)
                    ),
                )
                .help("a key names one record of one type on every node: use the same type, or another key for the other value")
                .note_at(first.value_type.span, format!("`{key}` is first declared as `{}` here", first.value_type.text)),
            );
        }
    }
}
