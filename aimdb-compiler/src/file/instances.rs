//! Node instances and record families (issue 22, "Fleets").
//!
//! - `[nodes.sensor] instances = ["zone-a", "zone-b"]` or `count = 100`: one node declared
//!   once, built as one image, the instance chosen at start-up. Its keys and link URLs may
//!   carry `{instance}` (the name) and `{index}` (its position, `0`..`N-1`).
//! - A node without instances that uses a record whose key carries `{instance}` observes the
//!   record's *family*: one buffer per instance of the record's producer.
//!
//! [`parse`] reads the node's field; [`resolve`] (after every node is read, since a family's
//! instances are its producer's) fills the model (`Node::instances`, `Record::family`,
//! `Url::template`) and reports what cannot work: an instanced node writing an address or
//! owning a key without `{instance}` (every instance would write it), an unknown
//! placeholder, a family without an instanced producer, a family link without `{instance}`.

use toml::de::DeValue;

use super::reader::{Table, span_of};
use super::{Direction, LinkEnd, System};
use crate::diagnostic::Diagnostic;
use crate::model::{ProducerKind, Record, Url};

/// The most instances a node may declare (`count`): each is a buffer at every observer.
pub const MAX_INSTANCES: usize = 4096;
/// The placeholders a key or link URL may carry.
const PLACEHOLDERS: [&str; 2] = ["{instance}", "{index}"];

/// `instances = [..]` or `count = N`, if given: the instance names.
pub(super) fn parse(table: &Table<'_, '_>, diagnostics: &mut Vec<Diagnostic>) -> Vec<String> {
    let node = table.what.clone();
    match (table.get("instances"), table.get("count")) {
        (Some(_), Some((span, _))) => {
            diagnostics.push(
                Diagnostic::error(span, format!("{node} has both `instances` and `count`"))
                    .help("name the instances (`instances = [\"zone-a\", \"zone-b\"]`) or count them (`count = 100`, named `0`..`99`), not both"),
            );
            Vec::new()
        }
        (Some((_, value)), None) => named(value, &node, diagnostics),
        (None, Some((_, value))) => counted(value, &node, diagnostics),
        (None, None) => Vec::new(),
    }
}

fn named(
    value: &super::reader::Value<'_>,
    node: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let DeValue::Array(items) = value.get_ref() else {
        diagnostics.push(
            Diagnostic::error(
                span_of(value),
                format!("`instances` of {node} must be an array of names"),
            )
            .help("write `instances = [\"zone-a\", \"zone-b\"]`"),
        );
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    for item in items.iter() {
        let Some(name) =
            super::reader::string(item, &format!("an instance of {node}"), diagnostics)
        else {
            continue;
        };
        let safe = !name.text.is_empty()
            && name
                .text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !safe {
            diagnostics.push(
                Diagnostic::error(name.span, format!("the instance name \"{}\" of {node} is not a single address level", name.text))
                    .help("an instance name goes into keys and MQTT topics: use letters, digits, `-` and `_` (e.g. \"zone-a\")"),
            );
        } else if names.contains(&name.text) {
            diagnostics.push(
                Diagnostic::error(
                    name.span,
                    format!("{node} declares the instance \"{}\" twice", name.text),
                )
                .help("each instance is named once: remove the second one"),
            );
        } else {
            names.push(name.text);
        }
    }
    if names.is_empty() && !items.is_empty() {
        return Vec::new();
    }
    if items.is_empty() {
        diagnostics.push(
            Diagnostic::error(span_of(value), format!("{node} declares no instances"))
                .help("name at least one: `instances = [\"zone-a\"]`, or remove `instances`"),
        );
    }
    names
}

fn counted(
    value: &super::reader::Value<'_>,
    node: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let count = match value.get_ref() {
        DeValue::Integer(int) => usize::from_str_radix(int.as_str(), int.radix()).ok(),
        _ => None,
    };
    match count {
        Some(count @ 1..=MAX_INSTANCES) => (0..count).map(|i| i.to_string()).collect(),
        _ => {
            diagnostics.push(
                Diagnostic::error(span_of(value), format!("`count` of {node} is not a number of instances"))
                    .help(format!("write a whole number from 1 to {MAX_INSTANCES}: `count = 100` (instances `0`..`99`)")),
            );
            Vec::new()
        }
    }
}

/// Whether `text` carries a placeholder; `Err` names an unknown `{..}`.
pub(crate) fn placeholders(text: &str) -> Result<bool, String> {
    let mut rest = text;
    let mut any = false;
    while let Some(open) = rest.find('{') {
        let after = &rest[open..];
        let close = after.find('}').map_or(after.len(), |c| c + 1);
        let written = &after[..close];
        if !PLACEHOLDERS.contains(&written) {
            return Err(written.to_owned());
        }
        any = true;
        rest = &after[close..];
    }
    Ok(any)
}

/// `text` for one instance: `{instance}` is its name, `{index}` its position.
pub fn substitute(text: &str, instance: &str, index: usize) -> String {
    text.replace("{instance}", instance)
        .replace("{index}", &index.to_string())
}

/// A family's inbound address as one MQTT filter: the placeholder's level becomes `+`. `None`
/// unless exactly one level is exactly a placeholder (and no other one has one).
pub fn family_filter(address: &str) -> Option<(String, usize)> {
    let (topic, options) = match address.split_once('?') {
        Some((topic, options)) => (topic, Some(options)),
        None => (address, None),
    };
    let levels: Vec<&str> = topic.split('/').collect();
    let at: Vec<usize> = (0..levels.len())
        .filter(|&i| PLACEHOLDERS.contains(&levels[i]))
        .collect();
    if at.len() != 1 || topic.matches('{').count() != 1 {
        return None;
    }
    let filter: Vec<&str> = levels
        .iter()
        .enumerate()
        .map(|(i, l)| if i == at[0] { "+" } else { l })
        .collect();
    let filter = filter.join("/");
    Some((
        options.map_or(filter.clone(), |o| format!("{filter}?{o}")),
        at[0],
    ))
}

/// Fill instances and families into every node's model and link ends, reporting what
/// cannot work. Runs after every node is read.
pub(super) fn resolve(system: &mut System, diagnostics: &mut Vec<Diagnostic>) {
    // A templated key's family: the instances of the first instanced node producing it.
    let family_of = |key: &str, nodes: &[super::NodeDecl]| -> Option<(String, Vec<String>)> {
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
    let families: Vec<(String, Option<(String, Vec<String>)>)> = system
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
                    observer(&name, record, family.as_ref(), diagnostics);
                } else {
                    plain(&name, record, diagnostics);
                }
            } else {
                instanced(&name, &instances, record, family.is_some(), diagnostics);
            }
        }
        // The link ends the system checks see: the same addresses as the model.
        for end in &mut node.links {
            let record = node.topology.records.iter().find(|r| r.key.id == end.key);
            let link_url = record.and_then(|r| {
                r.links_to
                    .iter()
                    .map(|l| (&l.url, l.span))
                    .chain(r.links_from.iter().map(|l| (&l.url, l.span)))
                    .find(|(_, span)| span.position() == end.span.position())
                    .map(|(url, _)| url.clone())
            });
            if let Some(url) = link_url.filter(|u| u.template.is_some()) {
                end.url = url;
                end.instanced_node = !instances.is_empty();
                end.instances = if instances.is_empty() {
                    record.map(|r| r.family.clone()).unwrap_or_default()
                } else {
                    instances.clone()
                };
            }
        }
        // A writer whose address was refused above (no or an unknown placeholder) does not
        // also leave its readers "without a writer": that is the same mistake.
        let refused = node.links.iter().filter(|end| {
            end.direction == Direction::To
                && end.url.template.is_none()
                && (placeholders(&end.url.address).is_err()
                    || (instances.len() > 1 && placeholders(&end.url.address) == Ok(false)))
        });
        unchecked.extend(refused.cloned());
    }
    system.unchecked_links.extend(unchecked);
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
    diagnostics: &mut Vec<Diagnostic>,
) {
    let pair = match instances {
        [a, b, ..] => format!("`{node}[{a}]` and `{node}[{b}]`"),
        [a] => format!("`{node}[{a}]`"),
        [] => String::new(),
    };
    if owns(record) && !templated_key && instances.len() > 1 {
        diagnostics.push(
            Diagnostic::error(record.span, format!("node `{node}` has {} instances, but the key \"{}\" of the record it produces has no `{{instance}}`: every `{node}` instance would produce it ({pair})", instances.len(), record.key.id))
                .help(format!("a key has one producer: put the instance into the record's key, e.g. `key = \"{}\"`", with_instance(&record.key.id, instances))),
        );
    }
    let writes = record
        .links_to
        .iter_mut()
        .map(|l| (&mut l.url, Direction::To));
    let reads = record
        .links_from
        .iter_mut()
        .map(|l| (&mut l.url, Direction::From));
    for (url, direction) in writes.chain(reads) {
        match placeholders(&url.address) {
            Err(unknown) => diagnostics.push(unknown_placeholder(url, &unknown)),
            Ok(true) => {
                url.template = Some(url.address.clone());
                url.address = substitute(&url.address, &instances[0], 0);
            }
            Ok(false) if direction == Direction::To && instances.len() > 1 => diagnostics.push(
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
fn observer(
    node: &str,
    record: &mut Record,
    family: Option<&(String, Vec<String>)>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some((producer, instances)) = family else {
        if owns(record) {
            diagnostics.push(
                Diagnostic::error(record.span, format!("node `{node}` produces the record \"{}\", whose key carries `{{instance}}`, but it has no instances", record.key.id))
                    .help(format!("declare the instances on node `{node}` (`instances = [..]` or `count = N`), or remove `{{instance}}` from the key")),
            );
        } else {
            diagnostics.push(
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
    let writes = record
        .links_to
        .iter_mut()
        .map(|l| (&mut l.url, Direction::To));
    let reads = record
        .links_from
        .iter_mut()
        .map(|l| (&mut l.url, Direction::From));
    for (url, direction) in writes.chain(reads) {
        match placeholders(&url.address) {
            Err(unknown) => diagnostics.push(unknown_placeholder(url, &unknown)),
            Ok(false) => diagnostics.push(
                Diagnostic::error(url.span, format!("\"{}\" carries the family \"{}\" of node `{producer}`'s {} instances, but the address has no `{{instance}}`", url.text, record.key.id, instances.len()))
                    .help(format!("one address per instance: write \"{}\"", with_instance(&url.text, instances))),
            ),
            Ok(true) if direction == Direction::From => match family_filter(&url.address) {
                Some((filter, _)) => {
                    url.template = Some(std::mem::replace(&mut url.address, filter));
                }
                None => diagnostics.push(
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
fn plain(node: &str, record: &mut Record, diagnostics: &mut Vec<Diagnostic>) {
    let urls = record
        .links_to
        .iter()
        .map(|l| &l.url)
        .chain(record.links_from.iter().map(|l| &l.url));
    for url in urls {
        match placeholders(&url.address) {
            Err(unknown) => diagnostics.push(unknown_placeholder(url, &unknown)),
            Ok(true) => diagnostics.push(
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

impl LinkEnd {
    /// The end once per instance, for the whole-system checks: `(who, end)`, `who` naming
    /// the node's instance (`sensor[zone-a]`) on an instanced node, else the node. An end
    /// without a template is itself.
    pub fn expand(&self, node: &str) -> Vec<(String, LinkEnd)> {
        let Some(template) = self.url.template.as_deref() else {
            return vec![(node.to_owned(), self.clone())];
        };
        self.instances
            .iter()
            .enumerate()
            .map(|(index, instance)| {
                let address = substitute(template, instance, index);
                let scheme = self.url.scheme.as_deref().unwrap_or("");
                let mut end = self.clone();
                end.url = Url {
                    text: format!("{scheme}://{address}"),
                    address,
                    template: None,
                    ..self.url.clone()
                };
                let who = if self.instanced_node {
                    format!("{node}[{instance}]")
                } else {
                    node.to_owned()
                };
                (who, end)
            })
            .collect()
    }
}
