//! `[nodes.NAME]`: a node's runtime and target, and `[nodes.NAME.records.RECORD]` tables
//! that say what the node does with each record (read by [`super::node_record`]).

use super::node_record;
use super::reader::{Table, Value};
use crate::diagnostic::{Diagnostic, Span};
use crate::finding::Ctxt;
use crate::model::system::link_ends;
use crate::model::{LinkEnd, NodeDecl, RecordDecl};
use crate::model::{Name, Node, RamBudget, Runtime, Topology};
use crate::suggest::did_you_mean;

const NODE_FIELDS: [&str; 7] = [
    "runtime",
    "target",
    "ram",
    "instances",
    "count",
    "description",
    "records",
];

pub(super) fn parse(
    value: &Value<'_>,
    span: Span,
    declared: &[RecordDecl],
    cx: &Ctxt,
) -> (Vec<NodeDecl>, Vec<LinkEnd>) {
    let Some(nodes) = Table::of(value, span, "`nodes`".to_owned(), cx) else {
        return (Vec::new(), Vec::new());
    };
    let (mut checked, mut unchecked) = (Vec::new(), Vec::new());
    for (name, value) in nodes.entries() {
        match node(name, value, declared, cx) {
            Ok(node) => checked.push(node),
            Err(links) => unchecked.extend(links),
        }
    }
    (checked, unchecked)
}

fn node(
    name: Name,
    value: &Value<'_>,
    declared: &[RecordDecl],
    cx: &Ctxt,
) -> Result<NodeDecl, Vec<LinkEnd>> {
    let what = format!("node `{}`", name.text);
    let table = Table::of(value, name.span, what.clone(), cx).ok_or_else(Vec::new)?;
    table.allow(&NODE_FIELDS, cx);
    table.string("description", cx);
    let target = table.string("target", cx);
    let ram = table
        .string("ram", cx)
        .and_then(|written| ram_budget(&written, cx));
    let instances = super::instances::parse(&table, cx);
    let instances_written = table.get("instances").is_some() || table.get("count").is_some();
    let runtime = table.required_string("runtime", "\"tokio\"", cx);
    let name_ok = identifier(&name, cx);
    let runtime = runtime.and_then(|r| runtime_of(&r, cx));
    let mut records = Vec::new();
    match table.get("records") {
        Some((span, value)) => {
            let in_node = format!("`records` of {what}");
            if let Some(uses) = Table::of(value, span, in_node, cx) {
                for (record, value) in uses.entries() {
                    let Some(decl) = find_record(&record, &name.text, declared, cx) else {
                        continue;
                    };
                    let read = node_record::parse(&record, value, decl, declared, &name.text, cx);
                    records.extend(read);
                }
            }
        }
        None => cx.push(
            Diagnostic::error(name.span, format!("{what} uses no records"))
                .help(format!("say what the node does with each record it holds, in a `[nodes.{}.records.NAME]` table with its `buffer`, `source`, `taps` and links", name.text)),
        ),
    }
    // A node with a bad name or runtime is not checked further, but its records were read
    // (and their errors reported) above.
    let Some((runtime, runtime_span)) = runtime.filter(|_| name_ok) else {
        return Err(link_ends(&records, &[]));
    };
    Ok(NodeDecl {
        span: name.span,
        topology: Topology {
            node: Node {
                name,
                runtime,
                runtime_span,
                ram,
                observes: Vec::new(),
                instances,
            },
            records,
        },
        target,
        instances_written,
    })
}

/// The generated module is named after the node, so its name is a Rust identifier.
fn identifier(name: &Name, cx: &Ctxt) -> bool {
    if syn::parse_str::<syn::Ident>(&name.text).is_ok() {
        return true;
    }
    let suggestion: String = name
        .text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    cx.push(
        Diagnostic::error(
            name.span,
            format!("the node name `{}` is not a Rust identifier", name.text),
        )
        .help(format!(
            "the generated module is named after the node: use letters, digits and `_`, e.g. `{suggestion}`"
        )),
    );
    false
}

/// `runtime = "tokio" | "embassy" | "wasm"`, with a did-you-mean.
fn runtime_of(written: &Name, cx: &Ctxt) -> Option<(Runtime, Span)> {
    if let Some((_, runtime)) = Runtime::ALL.iter().find(|(n, _)| *n == written.text) {
        return Some((*runtime, written.span));
    }
    let help = match did_you_mean(&written.text, Runtime::ALL.map(|(n, _)| n)) {
        Some(close) => {
            format!("did you mean \"{close}\"? runtimes: \"tokio\", \"embassy\", \"wasm\"")
        }
        None => {
            "a node runs on \"tokio\" (host), \"embassy\" (firmware or host) or \"wasm\" (browser)"
                .to_owned()
        }
    };
    cx.push(
        Diagnostic::error(
            written.span,
            format!("unknown runtime \"{}\"", written.text),
        )
        .help(help),
    );
    None
}

/// The `[records.NAME]` a node's record table refers to.
fn find_record<'d>(
    record: &Name,
    node: &str,
    declared: &'d [RecordDecl],
    cx: &Ctxt,
) -> Option<&'d RecordDecl> {
    if let Some(decl) = declared.iter().find(|d| d.name.text == record.text) {
        return Some(decl);
    }
    let names = declared.iter().map(|d| d.name.text.as_str());
    let help = match did_you_mean(&record.text, names) {
        Some(close) => format!("did you mean the record `{close}`?"),
        None => format!(
            "declare it in a `[records.{}]` table with its `key` and `type`",
            record.text
        ),
    };
    cx.push(
        Diagnostic::error(
            record.span,
            format!(
                "node `{node}` uses the record `{}`, which `[records]` does not declare",
                record.text
            ),
        )
        .help(help),
    );
    None
}

/// `ram = "64K"`: the static RAM the node's record buffers may take.
fn ram_budget(written: &Name, cx: &Ctxt) -> Option<RamBudget> {
    match RamBudget::parse(&written.text) {
        Some(bytes) => Some(RamBudget {
            from: crate::model::BudgetSource::Declared,
            bytes,
            span: written.span,
        }),
        None => {
            cx.push(
                Diagnostic::error(written.span, format!("`ram = \"{}\"` is not a size", written.text))
                    .help("write bytes, or kibibytes / mebibytes: `ram = \"65536\"`, `ram = \"64K\"`, `ram = \"1M\"`"),
            );
            None
        }
    }
}
