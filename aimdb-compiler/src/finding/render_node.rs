//! The per-node findings in words: a record's buffer and its chain. Where the fix names how
//! the buffer is written, tokens get the builder's words, a file its TOML fields.

use super::{NodeFinding, Words};
use crate::diagnostic::Diagnostic;
use crate::model::RamBudget;

/// `finding` as a diagnostic in `words`.
pub(super) fn render(finding: &NodeFinding, words: Words) -> Diagnostic {
    if let Some(diagnostic) = super::render_links::render(finding, words) {
        return diagnostic;
    }
    if let Some(diagnostic) = super::render_flow::render(finding, words) {
        return diagnostic;
    }
    let file = words == Words::File;
    match finding {
        NodeFinding::NoBuffer { key, span } => {
            Diagnostic::error(*span, format!("record `{key}` has no buffer")).help(if file {
                "write `buffer = \"SingleLatest\"`, `buffer = \"Mailbox\"` or `buffer = { kind = \"SpmcRing\", capacity = 256 }`"
            } else {
                "add a buffer as the first call: `.buffer(BufferCfg::SpmcRing { capacity: 256 })`, `.buffer(BufferCfg::SingleLatest)` or `.buffer(BufferCfg::Mailbox)`"
            })
        }
        NodeFinding::TwoBuffers { key, first, second } => Diagnostic::error(
            *second,
            format!(
                "record `{key}` has two buffers (the first is {})",
                crate::check::at(*first)
            ),
        )
        .help(if file {
            "a record has one buffer: keep one `buffer = ..`"
        } else {
            "a record has one buffer: keep one `.buffer(..)`"
        })
        .note_at(*first, format!("the first buffer of `{key}`")),
        NodeFinding::RingTooLarge {
            key,
            capacity,
            span,
        } => Diagnostic::error(
            *span,
            format!(
                "the ring of record `{key}` has capacity {capacity}, more than the {} values a static buffer may hold",
                RamBudget::MAX_CAPACITY
            ),
        )
        .help(if file {
            "a ring is a static array of its capacity: keep it to the history readers need (`capacity = 256`); keep a long history in a store outside the node"
        } else {
            "a ring is a static array of its capacity: keep it to the history readers need (`capacity: 256`); keep a long history in a store outside the node"
        }),
        NodeFinding::RingEmpty { key, span } => Diagnostic::error(
            *span,
            format!("the ring of record `{key}` has capacity 0 and could hold no value"),
        )
        .help(if file {
            "give the ring a capacity of at least 1 (`capacity = 16`), or use `buffer = \"SingleLatest\"` to keep only the current value"
        } else {
            "give the ring a capacity of at least 1 (`capacity: 16`), or use `BufferCfg::SingleLatest` to keep only the current value"
        }),
        NodeFinding::RingOverBudget {
            key,
            node,
            capacity,
            budget,
            declared,
            span,
        } => {
            let error = Diagnostic::error(
                *span,
                format!(
                    "the ring of record `{key}` holds {capacity} values, at least {capacity} bytes: more than node `{node}`'s RAM budget of {budget} bytes"
                ),
            );
            match declared {
                Some(at) => error
                    .help("lower the ring's capacity, or raise the node's budget (`ram = \"..\"`) if the target has the RAM")
                    .note_at(*at, "the budget is declared here"),
                None => error
                    .help("lower the ring's capacity: the budget is the board's RAM")
                    .note("the budget is the `LENGTH` of `RAM` in this crate's memory.x (the node declares no `ram`)"),
            }
        }
        NodeFinding::Unfinished { key, span } => Diagnostic::error(
            *span,
            format!("the configuration of record `{key}` does not end with `.finish()`"),
        )
        .help("add `.finish()` as the last call of the chain: `... .finish();`"),
        // Every other variant is worded by render_links or render_flow above; a variant
        // added without words is still an error at the macro call, never a panic.
        other => Diagnostic::error(
            crate::diagnostic::Span::Tokens(proc_macro2::Span::call_site()),
            format!("internal: no wording for {other:?}"),
        ),
    }
}
