//! Transforms and joins: every input names a record of the node, with that record's type,
//! once; a join has inputs; and no record feeds back into itself through transforms.
//!
//! (A transform and another producer on one key is the ownership check's; an input record
//! that nothing produces is "read but nothing produces".)

use std::collections::HashMap;

use crate::finding::{Ctxt, NodeFinding};
use crate::model::{Input, Record, Topology, Transform, TransformKind};
use crate::suggest::did_you_mean;

pub(super) fn check(topology: &Topology, cx: &Ctxt) {
    let records: HashMap<&str, &Record> = topology
        .records
        .iter()
        .rev() // the first declaration wins, as in the other checks
        .map(|r| (r.key.id.as_str(), r))
        .collect();
    for record in &topology.records {
        for transform in &record.transforms {
            let key = &record.key.id;
            if transform.kind == TransformKind::Join && transform.inputs.is_empty() {
                cx.report(NodeFinding::JoinWithoutInputs {
                    key: key.clone(),
                    span: transform.span,
                });
            }
            let mut seen: HashMap<&str, &Input> = HashMap::new();
            for input in &transform.inputs {
                if let Some(first) = seen.get(input.key.id.as_str()) {
                    cx.report(NodeFinding::InputTwice {
                        key: key.clone(),
                        input: input.key.id.clone(),
                        first: first.key.span,
                        span: input.key.span,
                    });
                    continue;
                }
                seen.insert(input.key.id.as_str(), input);
                match records.get(input.key.id.as_str()) {
                    None => cx.report(unknown_input(topology, record, transform, input)),
                    Some(source) => input_type(source, record, input, cx),
                }
            }
        }
    }
    cycles(topology, cx);
}

/// An input key that no record of the node declares.
fn unknown_input(
    topology: &Topology,
    record: &Record,
    transform: &Transform,
    input: &Input,
) -> NodeFinding {
    // Only a record that would fix it: of the declared type, not already an input of this
    // transform, not the transform's own output (a cycle).
    let keys = topology
        .records
        .iter()
        .filter(|r| {
            input
                .value_type
                .as_ref()
                .is_none_or(|t| t.text == r.value_type.text)
        })
        .filter(|r| r.key.id != record.key.id)
        .filter(|r| !transform.inputs.iter().any(|i| i.key.id == r.key.id))
        .map(|r| r.key.id.as_str());
    NodeFinding::UnknownInput {
        key: record.key.id.clone(),
        input: input.key.id.clone(),
        close: did_you_mean(&input.key.id, keys).map(str::to_owned),
        span: input.key.span,
    }
}

/// `input::<T>(KEY)` names the type `KEY`'s record was configured with.
fn input_type(source: &Record, record: &Record, input: &Input, cx: &Ctxt) {
    let Some(declared) = &input.value_type else {
        return;
    };
    if declared.text == source.value_type.text {
        return;
    }
    cx.report(NodeFinding::InputType {
        key: record.key.id.clone(),
        input: input.key.id.clone(),
        declared: declared.text.clone(),
        actual: source.value_type.text.clone(),
        actual_span: source.value_type.span,
        span: declared.span,
    });
}

/// A record that reaches itself through transforms would wait on its own output: report
/// one cycle per strongly connected group of records, listed key by key.
fn cycles(topology: &Topology, cx: &Ctxt) {
    let graph = Graph::new(topology);
    for cycle in graph.cycles() {
        let names: Vec<&str> = cycle.iter().map(|&i| graph.keys[i]).collect();
        let mut path = names.join(" -> ");
        path.push_str(" -> ");
        path.push_str(names[0]);
        let first = &topology.records[graph.record_of[cycle[0]]];
        let Some(transform) = first.transforms.first() else {
            continue;
        };
        cx.report(NodeFinding::Cycle {
            path,
            span: transform.span,
        });
    }
}

/// Records as nodes; an edge from each transform input to the record it produces.
struct Graph<'a> {
    keys: Vec<&'a str>,
    /// The first record declaring each key.
    record_of: Vec<usize>,
    edges: Vec<Vec<usize>>,
}

impl<'a> Graph<'a> {
    fn new(topology: &'a Topology) -> Self {
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut keys = Vec::new();
        let mut record_of = Vec::new();
        for (i, record) in topology.records.iter().enumerate() {
            index.entry(record.key.id.as_str()).or_insert_with(|| {
                keys.push(record.key.id.as_str());
                record_of.push(i);
                keys.len() - 1
            });
        }
        let mut edges = vec![Vec::new(); keys.len()];
        for record in &topology.records {
            let to = index[record.key.id.as_str()];
            for input in record.transforms.iter().flat_map(|t| &t.inputs) {
                if let Some(&from) = index.get(input.key.id.as_str())
                    && !edges[from].contains(&to)
                {
                    edges[from].push(to);
                }
            }
        }
        Graph {
            keys,
            record_of,
            edges,
        }
    }

    /// One cycle per strongly connected component that has one (Tarjan), each starting at
    /// its first-declared record, components in declaration order.
    fn cycles(&self) -> Vec<Vec<usize>> {
        let components = self.components();
        let mut found = Vec::new();
        for component in components {
            let start = *component.iter().min().expect("non-empty component");
            let self_loop = self.edges[start].contains(&start);
            if component.len() == 1 && !self_loop {
                continue;
            }
            found.push(self.cycle_through(start, &component));
        }
        found.sort_by_key(|cycle| cycle[0]);
        found
    }

    /// A shortest cycle from `start` back to itself inside `component` (breadth-first).
    fn cycle_through(&self, start: usize, component: &[usize]) -> Vec<usize> {
        let mut parent: HashMap<usize, usize> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            for &next in &self.edges[node] {
                if next == start {
                    let mut path = vec![node];
                    while let Some(&p) = parent.get(path.last().expect("non-empty")) {
                        path.push(p);
                    }
                    path.reverse();
                    if path[0] != start {
                        path.insert(0, start);
                    }
                    return path;
                }
                if component.contains(&next) && next != start && !parent.contains_key(&next) {
                    parent.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        vec![start]
    }

    /// Strongly connected components (iterative Tarjan, so deep chains cannot overflow).
    fn components(&self) -> Vec<Vec<usize>> {
        let n = self.keys.len();
        let mut index = vec![usize::MAX; n];
        let mut low = vec![0; n];
        let mut on_stack = vec![false; n];
        let mut stack = Vec::new();
        let mut components = Vec::new();
        let mut counter = 0;
        for root in 0..n {
            if index[root] != usize::MAX {
                continue;
            }
            let mut work = vec![(root, 0usize)];
            while let Some(&mut (node, ref mut next_edge)) = work.last_mut() {
                if *next_edge == 0 && index[node] == usize::MAX {
                    index[node] = counter;
                    low[node] = counter;
                    counter += 1;
                    stack.push(node);
                    on_stack[node] = true;
                }
                if let Some(&next) = self.edges[node].get(*next_edge) {
                    *next_edge += 1;
                    if index[next] == usize::MAX {
                        work.push((next, 0));
                    } else if on_stack[next] {
                        low[node] = low[node].min(index[next]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[node]);
                }
                if low[node] == index[node] {
                    let mut component = Vec::new();
                    while let Some(member) = stack.pop() {
                        on_stack[member] = false;
                        component.push(member);
                        if member == node {
                            break;
                        }
                    }
                    components.push(component);
                }
            }
        }
        components
    }
}
