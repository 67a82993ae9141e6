//! The file's top level: TOML syntax, then `[records.*]` and `[nodes.*]`.

use toml::de::DeTable;

use super::reader::Table;
use super::{Parsed, nodes, records};
use crate::diagnostic::{Diagnostic, Span};
use crate::finding::{Ctxt, Words};
use crate::model::System;

/// The top-level fields.
const ROOT_FIELDS: [&str; 4] = ["name", "description", "records", "nodes"];

pub(super) fn parse(source: &str) -> Parsed {
    let (document, errors) = DeTable::parse_recoverable(source);
    if !errors.is_empty() {
        // A file that is not TOML has no shape to check: report the syntax errors alone.
        let diagnostics = errors.iter().map(|e| syntax_error(e, source)).collect();
        return Parsed {
            system: None,
            diagnostics,
        };
    }
    let cx = Ctxt::new(Words::File);
    let root = Table::root(document.get_ref());
    root.allow(&ROOT_FIELDS, &cx);
    root.string("name", &cx);
    root.string("description", &cx);
    let declared = match root.get("records") {
        Some((span, value)) => records::parse(value, span, &cx),
        None => {
            cx.push(
                Diagnostic::error(Span::Text { start: 0, end: 0 }, "the topology file declares no records")
                    .help("declare each record once, in a `[records.NAME]` table with its `key` and `type`"),
            );
            Vec::new()
        }
    };
    let (nodes, unchecked_links) = match root.get("nodes") {
        Some((span, value)) => nodes::parse(value, span, &declared, &cx),
        None => {
            cx.push(
                Diagnostic::error(
                    Span::Text { start: 0, end: 0 },
                    "the topology file declares no nodes",
                )
                .help("declare each node in a `[nodes.NAME]` table with its `runtime` (\"tokio\" or \"embassy\")"),
            );
            (Vec::new(), Vec::new())
        }
    };
    let mut system = System {
        records: declared,
        nodes,
        unchecked_links,
    };
    super::families::resolve(&mut system, &cx);
    Parsed {
        system: Some(system),
        diagnostics: cx.into_diagnostics(),
    }
}

/// A TOML syntax error at its place (the parser's message, first letter lowered to read
/// like the compiler's own).
fn syntax_error(error: &toml::de::Error, source: &str) -> Diagnostic {
    let (start, end) = error
        .span()
        .map_or((source.len(), source.len()), |r| (r.start, r.end));
    let message = error.message().trim().trim_end_matches('.');
    Diagnostic::error(
        Span::Text { start, end },
        format!("invalid TOML: {message}"),
    )
    .help("fix the TOML syntax at this place; the format is described in docs/topology-file.md")
}
