//! The per-node findings about who produces a record (ownership, transforms) in words.
//! Where a fix names a producer, tokens get the builder's words (`.source()`), a file its
//! TOML fields (`source`).

use super::{NodeFinding, Role, Words};
use crate::check::at;
use crate::diagnostic::Diagnostic;

/// A producer finding as a diagnostic in `words`; `None` for any other finding.
pub(super) fn render(finding: &NodeFinding, words: Words) -> Option<Diagnostic> {
    let file = words == Words::File;
    Some(match finding {
        NodeFinding::TwoProducers {
            key,
            first,
            first_span,
            second,
            span,
        } => {
            let (headline, help) = two_producers(first, second, words);
            let (first, second) = (first.words(words), second.words(words));
            Diagnostic::error(
                *span,
                format!(
                    "record `{key}` has two producers ({headline}): this `{second}` and `{first}` {}",
                    at(*first_span)
                ),
            )
            .help(help)
            .note_at(
                *first_span,
                format!("the first producer of `{key}` is this `{first}`"),
            )
        }
        NodeFinding::ConfiguredTwice { key, first, span } => Diagnostic::error(
            *span,
            format!(
                "record `{key}` is configured twice in this node (first {})",
                at(*first)
            ),
        )
        .help(if file {
            "configure each record once: merge the two tables into one"
        } else {
            "configure each record once: merge the two `.configure` chains into one"
        })
        .note_at(*first, format!("`{key}` is first configured here")),
        NodeFinding::TwoTypes {
            key,
            first,
            first_span,
            second,
            span,
        } => Diagnostic::error(
            *span,
            format!(
                "record `{key}` is declared with two value types: `{second}` here and `{first}` {}",
                at(*first_span)
            ),
        )
        .help("a key names one record of one type on every node: use the same type, or another key for the other value")
        .note_at(*first_span, format!("`{key}` is first declared as `{first}` here")),
        NodeFinding::JoinWithoutInputs { key, span } => Diagnostic::error(
            *span,
            format!("the join producing `{key}` has no inputs"),
        )
        .help(if file {
            "name each record the join reads: `join = { inputs = [\"RECORD\", ...], on_triggers = \"h\" }`"
        } else {
            "declare each record the join reads before its handler: `b.input::<SetpointRequest>(SetpointKey::RequestOperatorA).on_triggers(..)`"
        }),
        NodeFinding::InputTwice {
            key,
            input,
            first,
            span,
        } => Diagnostic::error(
            *span,
            format!(
                "`{input}` is an input of the join producing `{key}` twice (first {})",
                at(*first)
            ),
        )
        .help("each input gives one trigger per value: declare it once, and tell values apart with `trigger.index()` or `trigger.key()`")
        .note_at(*first, format!("`{input}` is first an input here")),
        NodeFinding::UnknownInput {
            key,
            input,
            close,
            span,
        } => {
            let mut help = format!(
                "a transform reads records of its own node: configure `{input}` in this topology (with its producer), or read a record that is configured"
            );
            if let Some(close) = close {
                help = format!("did you mean `{close}`? otherwise {help}");
            }
            Diagnostic::error(
                *span,
                format!(
                    "the transform producing `{key}` reads `{input}`, but no record of this node has that key"
                ),
            )
            .help(help)
        }
        NodeFinding::InputType {
            key,
            input,
            declared,
            actual,
            actual_span,
            span,
        } => Diagnostic::error(
            *span,
            format!(
                "input `{input}` of the join producing `{key}` is declared as `{declared}`, but the record is `{actual}` (configured {})",
                at(*actual_span)
            ),
        )
        .help(format!(
            "write `.input::<{actual}>({input})`: an input has its record's value type"
        ))
        .note_at(
            *actual_span,
            format!("`{input}` is configured as `{actual}` here"),
        ),
        NodeFinding::Cycle { path, span } => Diagnostic::error(
            *span,
            format!("transforms form a cycle: {path}"),
        )
        .help(if file {
            "every record in a cycle would wait for its own output: break the cycle by producing one of these records with a `source` or `link_from` instead of a `transform` or `join`, or by dropping one input"
        } else {
            "every record in a cycle would wait for its own output: break the cycle by producing one of these records with a `.source()` or `.link_from()` instead of a transform, or by dropping one input"
        }),
        _ => return None,
    })
}

/// The headline and the fix for two producers of one key.
fn two_producers(first: &Role, second: &Role, words: Words) -> (&'static str, &'static str) {
    use Role::*;
    let file = words == Words::File;
    match (first, second) {
        (Source(_), LinkFrom(_)) | (LinkFrom(_), Source(_)) if file => (
            "`source` and `link_from` are mutually exclusive",
            "every key has exactly one authoritative producer: if this record is produced on another node, observe it with `link_from` alone and remove the `source`; if several parties write it, give each writer its own record (key) and join them into this one with an arbiter (a `join`)",
        ),
        (Source(_), LinkFrom(_)) | (LinkFrom(_), Source(_)) => (
            "`.source()` and `.link_from()` are mutually exclusive",
            "every key has exactly one authoritative producer: if this record is produced on another node, observe it with `.link_from()` alone and remove the `.source()`; if several parties write it, give each writer its own record (key) and join them into this one with an arbiter (`.transform_join()`)",
        ),
        (Source(_), Source(_)) => (
            "two `.source()`s",
            "keep one `.source()`: if several writers really produce this value, give each writer its own record (key) and join them into this one with an arbiter (`.transform_join()`)",
        ),
        (LinkFrom(_), LinkFrom(_)) if file => (
            "two `link_from`s",
            "observe the record through one `link_from`: each remote writer should own a record of its own (its own key), joined into this one by an arbiter (a `join`)",
        ),
        (LinkFrom(_), LinkFrom(_)) => (
            "two `.link_from()`s",
            "observe the record through one `.link_from()`: each remote writer should own a record of its own (its own key), joined into this one by an arbiter (`.transform_join()`)",
        ),
        (SourceHandle, _) | (_, SourceHandle) if file => (
            "a `source_handle` and another producer",
            "`source_handle = true` declares that code outside the node's tasks produces this record through its one `Producer`: keep it alone, or give the other writer a record of its own (its own key) and join the two in an arbiter (a `join`)",
        ),
        (SourceHandle, _) | (_, SourceHandle) => (
            "a `.source_handle()` and another producer",
            "`.source_handle()` declares that code outside the node's tasks produces this record through its one `Producer`: keep it alone, or give the other writer a record of its own (its own key) and join the two in an arbiter (`.transform_join()`)",
        ),
        _ => (
            "a transform and another producer",
            "a transformed record is produced by its transform alone: remove the other producer, or give it a record of its own and make that an input of the transform",
        ),
    }
}
