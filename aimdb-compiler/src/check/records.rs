//! Each record's own shape: one buffer with a sane size, a finished chain, a producer for
//! anything that is read.

use super::KeyGroup;
use crate::finding::{Ctxt, Finding, NodeFinding, Role};
use crate::model::{BudgetSource, BufferKind, RamBudget, Record, Topology};
use crate::suggest::did_you_mean;

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
                cx.report(NodeFinding::RingOverBudget {
                    key: record.key.id.clone(),
                    node: topology.node.name.text.clone(),
                    capacity,
                    budget: budget.bytes,
                    declared: match budget.from {
                        BudgetSource::Declared => Some(budget.span),
                        BudgetSource::MemoryX => None,
                    },
                    span: capacity_span,
                });
            }
        }
    }
}

/// Exactly one buffer; a ring holds at least one value.
fn buffer(record: &Record, cx: &Ctxt) {
    let key = &record.key.id;
    let Some((first, rest)) = record.buffers.split_first() else {
        if !record.complete || record.buffer_reported {
            // The chain was not understood (its buffer may be in the part that was not), or
            // the front end already reported the buffer in its own words.
            return;
        }
        cx.report(NodeFinding::NoBuffer {
            key: key.clone(),
            span: record.key.span,
        });
        return;
    };
    for second in rest {
        cx.report(NodeFinding::TwoBuffers {
            key: key.clone(),
            first: first.span,
            second: second.span,
        });
    }
    for buffer in &record.buffers {
        if let BufferKind::SpmcRing {
            capacity,
            capacity_span,
        } = buffer.kind
        {
            if capacity > RamBudget::MAX_CAPACITY {
                cx.report(NodeFinding::RingTooLarge {
                    key: key.clone(),
                    capacity,
                    span: capacity_span,
                });
            }
            if capacity == 0 {
                cx.report(NodeFinding::RingEmpty {
                    key: key.clone(),
                    span: capacity_span,
                });
            }
        }
    }
}

/// The chain ends with `.finish()`.
fn finished(record: &Record, cx: &Ctxt) {
    let Some(chain) = record.chain else {
        return;
    };
    if chain.finish.is_none() && record.complete {
        cx.report(NodeFinding::Unfinished {
            key: record.key.id.clone(),
            span: chain.end,
        });
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
