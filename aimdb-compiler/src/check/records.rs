//! Each record's own shape: one buffer with a sane size, a finished chain, a producer for
//! anything that is read.

use super::{KeyGroup, at};
use crate::diagnostic::Diagnostic;
use crate::finding::{Ctxt, Finding, Role};
use crate::model::{BudgetSource, BufferKind, RamBudget, Record, Topology};
use crate::suggest::did_you_mean;

const BUFFER_HELP: &str = "add a buffer as the first call: `.buffer(BufferCfg::SpmcRing { capacity: 256 })`, `.buffer(BufferCfg::SingleLatest)` or `.buffer(BufferCfg::Mailbox)`";

pub(super) fn check(topology: &Topology, groups: &[KeyGroup<'_>], cx: &Ctxt) {
    for record in &topology.records {
        buffer(record, cx);
        finished(record, cx);
    }
    for group in groups {
        produced_if_read(topology, group, groups, cx);
    }
    ram_budget(topology, cx);
}

/// A ring whose capacity alone exceeds the node's RAM budget (each value takes at least a
/// byte) is refused here, before rustc sizes it; the exact total is checked by the emitted
/// code, where the value types' sizes are known.
pub(super) fn ram_budget(topology: &Topology, cx: &Ctxt) {
    let Some(budget) = topology.node.ram else {
        return;
    };
    for record in &topology.records {
        for buffer in &record.buffers {
            if let BufferKind::SpmcRing {
                capacity,
                capacity_span,
            } = buffer.kind
                && capacity > budget.bytes
                && capacity <= RamBudget::MAX_CAPACITY
            {
                let error = Diagnostic::error(
                    capacity_span,
                    format!(
                        "the ring of record `{}` holds {capacity} values, at least {capacity} bytes: more than node `{}`'s RAM budget of {} bytes",
                        record.key.id, topology.node.name.text, budget.bytes
                    ),
                );
                cx.push(match budget.from {
                    BudgetSource::Declared => error
                        .help("lower the ring's capacity, or raise the node's budget (`ram = \"..\"`) if the target has the RAM")
                        .note_at(budget.span, "the budget is declared here"),
                    BudgetSource::MemoryX => error
                        .help("lower the ring's capacity: the budget is the board's RAM")
                        .note("the budget is the `LENGTH` of `RAM` in this crate's memory.x (the node declares no `ram`)"),
                });
            }
        }
    }
}

/// Exactly one buffer; a ring holds at least one value.
fn buffer(record: &Record, cx: &Ctxt) {
    let key = &record.key.id;
    let Some((first, rest)) = record.buffers.split_first() else {
        if !record.complete {
            // The chain was not understood; its buffer may be in the part that was not.
            return;
        }
        cx.push(
            Diagnostic::error(record.key.span, format!("record `{key}` has no buffer"))
                .help(BUFFER_HELP),
        );
        return;
    };
    for second in rest {
        cx.push(
            Diagnostic::error(
                second.span,
                format!(
                    "record `{key}` has two buffers (the first is {})",
                    at(first.span)
                ),
            )
            .help("a record has one buffer: keep one `.buffer(..)`")
            .note_at(first.span, format!("the first buffer of `{key}`")),
        );
    }
    for buffer in &record.buffers {
        if let BufferKind::SpmcRing {
            capacity,
            capacity_span,
        } = buffer.kind
            && capacity > RamBudget::MAX_CAPACITY
        {
            cx.push(
                    Diagnostic::error(capacity_span, format!("the ring of record `{key}` has capacity {capacity}, more than the {} values a static buffer may hold", RamBudget::MAX_CAPACITY))
                        .help("a ring is a static array of its capacity: keep it to the history readers need (`capacity: 256`); keep a long history in a store outside the node"),
                );
        }
        if let BufferKind::SpmcRing {
            capacity: 0,
            capacity_span,
        } = buffer.kind
        {
            cx.push(
                Diagnostic::error(capacity_span, format!("the ring of record `{key}` has capacity 0 and could hold no value"))
                    .help("give the ring a capacity of at least 1 (`capacity: 16`), or use `BufferCfg::SingleLatest` to keep only the current value"),
            );
        }
    }
}

/// The chain ends with `.finish()`.
fn finished(record: &Record, cx: &Ctxt) {
    let Some(chain) = record.chain else {
        return;
    };
    if chain.finish.is_none() && record.complete {
        cx.push(
            Diagnostic::error(
                chain.end,
                format!(
                    "the configuration of record `{}` does not end with `.finish()`",
                    record.key.id
                ),
            )
            .help("add `.finish()` as the last call of the chain: `... .finish();`"),
        );
    }
}

/// A record that is read (tap, link_to, transform input) has a producer on this node.
fn produced_if_read(topology: &Topology, group: &KeyGroup<'_>, groups: &[KeyGroup<'_>], cx: &Ctxt) {
    if group
        .records
        .iter()
        .any(|r| !r.complete || !r.producers().is_empty())
    {
        return;
    }
    let key = group.key();
    let own = group.records.iter().find_map(|r| r.first_reader());
    let input = || {
        topology
            .inputs_reading(key)
            .next()
            .map(|(record, input)| (Role::Input(record.key.id.clone()), input.key.span))
    };
    let Some((reader, span)) = own.or_else(input) else {
        return;
    };
    // Only a record that would fix it: produced, and of this record's type.
    let value_type = &group.records[0].value_type.text;
    let produced = groups
        .iter()
        .filter(|g| g.records.iter().any(|r| !r.producers().is_empty()))
        .filter(|g| g.records.iter().any(|r| r.value_type.text == *value_type))
        .map(|g| g.key());
    let finding = Finding::Unproduced {
        key: key.to_owned(),
        reader,
        span,
        close: did_you_mean(key, produced).map(str::to_owned),
        owner_help: None,
    };
    cx.report(finding);
}
