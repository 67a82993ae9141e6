//! `transform = { .. }` and `join = { .. }` on a node's record: the record is produced from
//! other records of the node, as `.transform(..)` / `.transform_join(..)` in `topology!{}`.
//!
//! ```toml
//! transform = { input = "reading", map = "to_fahrenheit" }        # fn(&In) -> Out | Option<Out>
//! transform = { input = "reading", on_input = "smooth" }          # async fn(Consumer<In>, Producer<Out>)
//! join = { inputs = ["request_a", "request_b"], on_triggers = "arbitrate" }
//! ```
//!
//! Inputs name records of `[records]`; their value types come from there. The node checks
//! (an input the node does not hold, cycles, two producers) run on the model as for the
//! inline form.

use super::reader::{Table, Value, one_or_many, string};
use super::rust;
use crate::diagnostic::{Diagnostic, Span};
use crate::finding::Ctxt;
use crate::model::RecordDecl;
use crate::model::{Handler, HandlerKind, Input, Key, Name, Transform, TransformKind};
use crate::suggest::did_you_mean;

const TRANSFORM_FIELDS: [&str; 3] = ["input", "map", "on_input"];
const JOIN_FIELDS: [&str; 2] = ["inputs", "on_triggers"];

/// The key expression a file gives a record: its key string as a literal.
pub(super) fn key_of(decl: &RecordDecl, span: Span) -> Key {
    Key {
        id: decl.key.text.clone(),
        expr: syn::Expr::Lit(syn::ExprLit {
            attrs: Vec::new(),
            lit: syn::Lit::Str(syn::LitStr::new(
                &decl.key.text,
                proc_macro2::Span::call_site(),
            )),
        }),
        span,
    }
}

/// Read `transform = {..}` (`join == false`) or `join = {..}` at `field_span`.
pub(super) fn parse(
    join: bool,
    field_span: Span,
    value: &Value<'_>,
    record_what: &str,
    declared: &[RecordDecl],
    cx: &Ctxt,
) -> Option<Transform> {
    let field = if join { "join" } else { "transform" };
    let what = format!("the `{field}` of {record_what}");
    let table = Table::of(value, field_span, what.clone(), cx)?;
    let (allowed, inputs_field, handlers): (&[&str], _, &[(&str, HandlerKind)]) = if join {
        (
            &JOIN_FIELDS,
            "inputs",
            &[("on_triggers", HandlerKind::OnTriggers)],
        )
    } else {
        (
            &TRANSFORM_FIELDS,
            "input",
            &[
                ("map", HandlerKind::Map),
                ("on_input", HandlerKind::OnInput),
            ],
        )
    };
    table.allow(allowed, cx);
    let mut inputs = Vec::new();
    match table.get(inputs_field) {
        Some((_, value)) => {
            let items = if join {
                one_or_many(value)
            } else {
                vec![value]
            };
            // The inputs as written: a did-you-mean never offers one already listed.
            let listed: Vec<String> = items
                .iter()
                .filter_map(|item| match item.get_ref() {
                    toml::de::DeValue::String(s) => Some(s.to_string()),
                    _ => None,
                })
                .collect();
            for item in items {
                let name = string(item, &format!("an input of {what}"), cx);
                if let Some(decl) = name.and_then(|n| input_record(&n, declared, &listed, cx)) {
                    let span = super::reader::span_of(item);
                    inputs.push(Input {
                        key: key_of(decl, span),
                        value_type: join.then(|| {
                            let mut ty = decl.value_type.clone();
                            ty.span = span;
                            ty
                        }),
                        span,
                    });
                }
            }
        }
        None => cx.push(
            Diagnostic::error(field_span, format!("{what} has no `{inputs_field}`")).help(
                if join {
                    "name the records it joins: `inputs = [\"request_a\", \"request_b\"]`"
                } else {
                    "name the record it reads: `input = \"reading\"`"
                },
            ),
        ),
    }
    let given: Vec<_> = handlers
        .iter()
        .filter_map(|(name, kind)| {
            table
                .get(name)
                .map(|(span, value)| (*name, *kind, span, value))
        })
        .collect();
    let handler = match given.as_slice() {
        [] => {
            let names: Vec<_> = handlers
                .iter()
                .map(|(n, _)| format!("`{n} = \"f\"`"))
                .collect();
            cx.push(
                Diagnostic::error(field_span, format!("{what} has no handler"))
                    .help(format!("add {}", names.join(" or "))),
            );
            None
        }
        [(name, kind, span, value), rest @ ..] => {
            for (other, _, other_span, _) in rest {
                cx.push(
                    Diagnostic::error(*other_span, format!("{what} has two handlers, `{name}` and `{other}`"))
                        .help("keep one: `map` for a function of each value, `on_input` for a task that reads the input itself"),
                );
            }
            let function = string(value, &format!("`{name}` of {what}"), cx)
                .and_then(|n| rust::function(&n, "handler", cx));
            function.map(|function| Handler {
                kind: *kind,
                function,
                span: *span,
            })
        }
    };
    let seq = match field_span {
        Span::Text { start, .. } => start,
        Span::Tokens(_) => 0,
    };
    Some(Transform {
        kind: if join {
            TransformKind::Join
        } else {
            TransformKind::Single
        },
        inputs,
        handler,
        span: field_span,
        seq,
    })
}

/// An input names a record of `[records]`.
fn input_record<'d>(
    name: &Name,
    declared: &'d [RecordDecl],
    listed: &[String],
    cx: &Ctxt,
) -> Option<&'d RecordDecl> {
    if let Some(decl) = declared.iter().find(|d| d.name.text == name.text) {
        return Some(decl);
    }
    let candidates = declared
        .iter()
        .map(|d| d.name.text.as_str())
        .filter(|candidate| !listed.iter().any(|l| l == candidate));
    let help = match did_you_mean(&name.text, candidates) {
        Some(close) => format!("did you mean the record `{close}`?"),
        None => "an input names a record declared in a `[records.NAME]` table, held by this node"
            .to_owned(),
    };
    cx.push(
        Diagnostic::error(
            name.span,
            format!("the input `{}` is not a record of this file", name.text),
        )
        .help(help),
    );
    None
}
