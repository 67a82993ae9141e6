//! One `BUILDER.configure::<T>(KEY, |REG| { REG.method(..)...finish(); });` statement.

use syn::spanned::Spanned;
use syn::{Expr, ExprMethodCall, Stmt};

use super::{chain, expr_text, type_text};
use crate::diagnostic::Diagnostic;
use crate::finding::Ctxt;
use crate::model::{ChainEnds, Key, Record, TypeRef};
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
        chain: Some(ChainEnds {
            finish: None,
            end: call.method.span().into(),
        }),
        complete: true,
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

/// The one `T` of `.method::<T>(..)`, or the errors for none and for several.
pub(super) fn one_type(
    call: &ExprMethodCall,
    missing: &str,
    several: &str,
    help: &str,
    cx: &Ctxt,
) -> Option<TypeRef> {
    let Some(turbofish) = &call.turbofish else {
        cx.push(Diagnostic::error(call.method.span(), missing).help(help));
        return None;
    };
    let types: Vec<_> = turbofish.args.iter().collect();
    match types.as_slice() {
        [syn::GenericArgument::Type(ty)] => Some(TypeRef {
            ty: ty.clone(),
            text: type_text(ty),
            span: ty.span().into(),
        }),
        _ => {
            cx.push(Diagnostic::error(turbofish.span(), several).help(help));
            None
        }
    }
}

/// A key: a path (`ClimateKey::Reading`) or a string literal.
pub(super) fn key(expr: &Expr) -> Result<Key, Diagnostic> {
    let id = match expr {
        Expr::Path(path) if path.qself.is_none() => expr_text(expr),
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(_),
            ..
        }) => expr_text(expr),
        other => {
            return Err(Diagnostic::error(other.span(), "a record key is a path or a string literal")
                .help("write a key variant (`ClimateKey::Reading`, from `#[derive(RecordKey)]`) or a string (`\"climate/zone-a/reading\"`)"));
        }
    };
    if let Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(text),
        ..
    }) = expr
    {
        // The one key grammar, as for `#[derive(RecordKey)]` and a file's `key =`.
        if let Err(problem) = aimdb_core::key::check_key(&text.value()) {
            return Err(crate::keys::key_error(
                &text.value(),
                problem,
                text.span().into(),
            ));
        }
    }
    Ok(Key {
        id,
        expr: expr.clone(),
        span: expr.span().into(),
    })
}

/// The closure's one parameter: the name the chain must start from.
pub(super) fn closure_parameter(closure: &syn::ExprClosure) -> Result<String, Diagnostic> {
    let inputs: Vec<_> = closure.inputs.iter().collect();
    let pattern = match inputs.as_slice() {
        [syn::Pat::Type(typed)] => &*typed.pat,
        [pattern] => *pattern,
        _ => {
            return Err(Diagnostic::error(
                closure.inputs.span(),
                "the record's closure takes one parameter",
            )
            .help("write `|reg| { reg.buffer(..)...finish(); }`"));
        }
    };
    match pattern {
        syn::Pat::Ident(ident) => Ok(ident.ident.to_string()),
        other => Err(Diagnostic::error(
            other.span(),
            "the record's closure parameter must be a name",
        )
        .help("write `|reg| { reg.buffer(..)...finish(); }`")),
    }
}
