//! Instances and families across the nodes of a file (issue 22, "Fleets"): after every
//! node is read (a family's instances are its producer's), [`resolve`] fills the model
//! (`Node::instances`, `Record::family`, `Url::template`) and the link ends, and reports
//! what cannot work: an instanced node writing an address or owning a key without
//! `{instance}` (every instance would write it), an unknown placeholder, a family without
//! an instanced producer, a family link without `{instance}` (or with it inside a level),
//! and what families cannot do yet (the input of a single-input transform).

use crate::diagnostic::Diagnostic;
use crate::finding::Ctxt;
use crate::model::template::{family_filter, placeholders, substitute};
use crate::model::{Direction, System};
use crate::model::{ProducerKind, Record, Url};

/// A templated key and its family: the producing node and its instances, if one has them.
type Family = (String, Option<(String, Vec<String>)>);

/// Fill instances and families into every node's model and link ends, reporting what
/// cannot work. Runs after every node is read.
pub(super) fn resolve(system: &mut System, cx: &Ctxt) {
    // A templated key's family: the instances of the first instanced node producing it.
    let family_of =
        |key: &str, nodes: &[crate::model::NodeDecl]| -> Option<(String, Vec<String>)> {
            nodes.iter().find_map(|n| {
                let owns = n
                    .topology
                    .records
                    .iter()
                    .any(|r| r.key.id == key && owns(r));
                // A producer whose `instances` were refused gives an empty set: nothing more.
                (owns && (n.instances_written || !n.topology.node.instances.is_empty()))
                    .then(|| (n.name().to_owned(), n.topology.node.instances.clone()))
            })
        };
    let families: Vec<Family> = system
        .records
        .iter()
        .filter(|d| placeholders(&d.key.text) == Ok(true))
        .map(|d| (d.key.text.clone(), family_of(&d.key.text, &system.nodes)))
        .collect();
    let mut unchecked = Vec::new();
    for node in &mut system.nodes {
        let name = node.name().to_owned();
        let instances = node.topology.node.instances.clone();
        if node.instances_written && instances.is_empty() {
            continue; // its `instances` / `count` were refused: reported there
        }
        for record in &mut node.topology.records {
            let family = families
                .iter()
                .find(|(k, _)| *k == record.key.id)
                .map(|(_, f)| f);
            if instances.is_empty() {
                if let Some(family) = family {
                    observer(&name, record, family.as_ref(), cx);
                } else {
                    plain(&name, record, cx);
                }
            } else {
                instanced(&name, &instances, record, family.is_some(), cx);
            }
        }
        if instances.is_empty() {
            unsupported(&node.topology, &families, cx);
        }
        // A writer whose address was refused above (no or an unknown placeholder) does not
        // also leave its readers "without a writer": that is the same mistake.
        let ends = node.links();
        let refused = ends.iter().filter(|end| {
            end.direction == Direction::To
                && end.url.template.is_none()
                && (placeholders(&end.url.address).is_err()
                    || (instances.len() > 1 && placeholders(&end.url.address) == Ok(false)))
        });
        unchecked.extend(refused.cloned());
    }
    system.unchecked_links.extend(unchecked);
}

/// What families cannot do yet, at an observer: be the input of a single-input transform
/// (a join takes a family: any instance's value triggers it, with the instance). An embassy
/// observer works: the link check takes a family's filter there as one of its topics.
fn unsupported(topology: &crate::model::Topology, families: &[Family], cx: &Ctxt) {
    let node = &topology.node.name.text;
    for record in &topology.records {
        let transforms = record.transforms.iter();
        let inputs = transforms
            .filter(|t| t.kind == crate::model::TransformKind::Single)
            .flat_map(|t| &t.inputs);
        for input in inputs.filter(|i| families.iter().any(|(k, _)| *k == i.key.id)) {
            cx.push(
                Diagnostic::error(input.span, format!("the family \"{}\" is the input of a transform on node `{node}`: a transform over a family is not supported yet", input.key.id))
                    .help("make it a join, which takes a family (`join = { inputs = [\"reading\"], on_triggers = \"h\" }`: each trigger carries the instance), or observe the family with a tap (`fn(instance: &'static str, Consumer<T>)`)"),
            );
        }
    }
}

/// Every link URL of a record, with its direction.
fn urls(record: &mut Record) -> impl Iterator<Item = (&mut Url, Direction)> {
    let writes = record
        .links_to
        .iter_mut()
        .map(|l| (&mut l.url, Direction::To));
    let reads = record
        .links_from
        .iter_mut()
        .map(|l| (&mut l.url, Direction::From));
    writes.chain(reads)
}

/// Whether a node's record produces the key (anything but observing it with `link_from`).
fn owns(record: &Record) -> bool {
    record
        .producers()
        .iter()
        .any(|p| p.kind != ProducerKind::LinkFrom)
}

/// A link's URL on an instanced node: the template kept, the first instance's address checked.
fn instanced(
    node: &str,
    instances: &[String],
    record: &mut Record,
    templated_key: bool,
    cx: &Ctxt,
) {
    let pair = match instances {
        [a, b, ..] => format!("`{node}[{a}]` and `{node}[{b}]`"),
        [a] => format!("`{node}[{a}]`"),
        [] => String::new(),
    };
    if owns(record) && !templated_key && instances.len() > 1 {
        cx.push(
            Diagnostic::error(record.span, format!("node `{node}` has {} instances, but the key \"{}\" of the record it produces has no `{{instance}}`: every `{node}` instance would produce it ({pair})", instances.len(), record.key.id))
                .help(format!("a key has one producer: put the instance into the record's key, e.g. `key = \"{}\"`", with_instance(&record.key.id, instances))),
        );
    }
    for (url, direction) in urls(record) {
        match placeholders(&url.address) {
            Err(unknown) => cx.push(unknown_placeholder(url, &unknown)),
            Ok(true) => {
                url.template = Some(url.address.clone());
                url.address = substitute(&url.address, &instances[0], 0);
            }
            Ok(false) if direction == Direction::To && instances.len() > 1 => cx.push(
                Diagnostic::error(
                    url.span,
                    format!(
                        "every `{node}` instance would write \"{}\": {pair} collide on one address",
                        url.text
                    ),
                )
                .help(format!(
                    "an address has one writer: put the instance into it, e.g. \"{}\"",
                    with_instance(&url.text, instances)
                )),
            ),
            Ok(false) => {}
        }
    }
}

/// A record family at a node without instances: one buffer per instance of its producer.
fn observer(node: &str, record: &mut Record, family: Option<&(String, Vec<String>)>, cx: &Ctxt) {
    let Some((producer, instances)) = family else {
        if owns(record) {
            cx.push(
                Diagnostic::error(record.span, format!("node `{node}` produces the record \"{}\", whose key carries `{{instance}}`, but it has no instances", record.key.id))
                    .help(format!("declare the instances on node `{node}` (`instances = [..]` or `count = N`), or remove `{{instance}}` from the key")),
            );
        } else {
            cx.push(
                Diagnostic::error(record.span, format!("node `{node}` observes the family \"{}\", but no node with instances produces it", record.key.id))
                    .help("the family's instances are its producer's: give the producing node `instances = [..]` or `count = N`"),
            );
        }
        return;
    };
    if instances.is_empty() {
        return; // the producer's `instances` were refused: reported there
    }
    record.family = instances.clone();
    record.family_node = producer.clone();
    let key = record.key.id.clone();
    for (url, direction) in urls(record) {
        match placeholders(&url.address) {
            Err(unknown) => cx.push(unknown_placeholder(url, &unknown)),
            Ok(false) => cx.push(
                Diagnostic::error(url.span, format!("\"{}\" carries the family \"{}\" of node `{producer}`'s {} instances, but the address has no `{{instance}}`", url.text, key, instances.len()))
                    .help(format!("one address per instance: write \"{}\"", with_instance(&url.text, instances))),
            ),
            Ok(true) if direction == Direction::From => match family_filter(&url.address) {
                Some((filter, _)) => {
                    url.template = Some(std::mem::replace(&mut url.address, filter));
                }
                None => cx.push(
                    Diagnostic::error(url.span, format!("the family link \"{}\" has `{{instance}}` inside an address level", url.text))
                        .help("a family is read with one wildcard filter: the placeholder is a whole level, e.g. \"mqtt://climate/{instance}/reading\""),
                ),
            },
            Ok(true) => {
                url.template = Some(url.address.clone());
                url.address = substitute(&url.address, &instances[0], 0);
            }
        }
    }
}

/// A node without instances and a record that is not a family: no placeholder anywhere.
fn plain(node: &str, record: &mut Record, cx: &Ctxt) {
    let urls = record
        .links_to
        .iter()
        .map(|l| &l.url)
        .chain(record.links_from.iter().map(|l| &l.url));
    for url in urls {
        match placeholders(&url.address) {
            Err(unknown) => cx.push(unknown_placeholder(url, &unknown)),
            Ok(true) => cx.push(
                Diagnostic::error(url.span, format!("\"{}\" has `{{instance}}`, but node `{node}` has no instances and record \"{}\" is not a family", url.text, record.key.id))
                    .help(format!("declare instances on node `{node}` (`instances = [..]` or `count = N`), or write the address without a placeholder")),
            ),
            Ok(false) => {}
        }
    }
}

fn unknown_placeholder(url: &Url, unknown: &str) -> Diagnostic {
    Diagnostic::error(
        url.span,
        format!("unknown placeholder `{unknown}` in \"{}\"", url.text),
    )
    .help("an address may carry `{instance}` (the instance's name) and `{index}` (its position)")
}

/// `climate/reading` → `climate/{instance}/reading` (`climate/zone-a/reading`, where
/// `zone-a` is an instance, → `climate/{instance}/reading`), as a suggestion.
fn with_instance(text: &str, instances: &[String]) -> String {
    let levels: Vec<&str> = text.split('/').collect();
    if levels.iter().any(|l| instances.iter().any(|i| i == l)) {
        let replaced: Vec<&str> = levels
            .iter()
            .map(|l| {
                if instances.iter().any(|i| i == l) {
                    "{instance}"
                } else {
                    l
                }
            })
            .collect();
        return replaced.join("/");
    }
    match text.rsplit_once('/') {
        Some((head, last)) => format!("{head}/{{instance}}/{last}"),
        None => format!("{text}/{{instance}}"),
    }
}
