//! One `BUILDER.configure::<T>(KEY, |REG| { REG.method(..)...finish(); });` statement.

use syn::spanned::Spanned;
use syn::{Expr, ExprMethodCall, Stmt};

use super::chain;
use super::parts::{closure_parameter, key, one_type};
use crate::diagnostic::Diagnostic;
use crate::finding::Ctxt;
use crate::model::{ChainEnds, Record, TypeRef};
use crate::suggest::did_you_mean;

const SHAPE: &str = "write `builder.configure::<Temperature>(ClimateKey::Reading, |reg| { reg.buffer(..).source(..).finish(); });`";

/// Parse one statement of the body into a record, or report why it is not one.
pub fn parse(statement: &Stmt, cx: &Ctxt) -> Option<Record> {
    let call = match statement {
        Stmt::Expr(Expr::MethodCall(call), _) => call,
        other => {
            cx.push(
                Diagnostic::error(
                    other.span(),
                    "expected a record: `builder.configure::<T>(KEY, |reg| ...)`",
                )
                .help(SHAPE),
            );
            return None;
        }
    };
    if call.method != "configure" {
        let name = call.method.to_string();
        let help = match did_you_mean(&name, ["configure"]) {
            Some(close) => format!("did you mean `.{close}`? {SHAPE}"),
            None => SHAPE.to_owned(),
        };
        cx.push(
            Diagnostic::error(
                call.method.span(),
                format!("unknown builder method `.{name}`"),
            )
            .help(help),
        );
        return None;
    }
    let value_type = value_type(call, cx)?;
    if call.args.len() != 2 {
        cx.push(
            Diagnostic::error(
                call.method.span(),
                format!(
                    "`.configure` takes two arguments (the key and a closure), found {}",
                    call.args.len()
                ),
            )
            .help(SHAPE),
        );
        return None;
    }
    let key = key(&call.args[0]).map_err(|d| cx.push(d)).ok()?;
    let closure = match &call.args[1] {
        Expr::Closure(closure) => closure,
        other => {
            cx.push(
                Diagnostic::error(
                    other.span(),
                    "expected the record's closure: `|reg| { reg.buffer(..)...finish(); }`",
                )
                .help(SHAPE),
            );
            return None;
        }
    };
    let receiver = closure_parameter(closure).map_err(|d| cx.push(d)).ok()?;
    let record = Record {
        key,
        value_type,
        span: call.method.span().into(),
        buffers: Vec::new(),
        sources: Vec::new(),
        source_handles: Vec::new(),
        accepts: Vec::new(),
        contract: None,
        taps: Vec::new(),
        links_to: Vec::new(),
        links_from: Vec::new(),
        transforms: Vec::new(),
        name: None,
        chain: Some(ChainEnds {
            finish: None,
            end: call.method.span().into(),
        }),
        complete: true,
        buffer_reported: false,
        family: Vec::new(),
        family_node: String::new(),
    };
    Some(chain::walk_closure(record, receiver, &closure.body, cx))
}

/// The `T` of `configure::<T>`.
fn value_type(call: &ExprMethodCall, cx: &Ctxt) -> Option<TypeRef> {
    one_type(
        call,
        "`.configure` needs the record's value type",
        "`.configure` takes exactly one type: the record's value type",
        "name the record's value type: `.configure::<Temperature>(KEY, |reg| ...)`",
        cx,
    )
}
