//! The pieces a record's statement, its chain and its transforms share: a key, a
//! turbofish type, a closure's parameter, a user function.

use syn::Expr;
use syn::ExprMethodCall;
use syn::spanned::Spanned;

use super::{expr_text, type_text};
use crate::diagnostic::Diagnostic;
use crate::finding::Ctxt;
use crate::model::{Function, Key, TypeRef};

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
        [syn::GenericArgument::Type(ty)] => Some(type_ref(ty)),
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

/// A user function argument.
pub(super) fn function(expr: &Expr) -> Function {
    Function {
        expr: expr.clone(),
        text: expr_text(expr),
        span: expr.span().into(),
    }
}

/// A Rust type as written, with its text and place.
pub(super) fn type_ref(ty: &syn::Type) -> TypeRef {
    TypeRef {
        ty: ty.clone(),
        text: type_text(ty),
        span: ty.span().into(),
    }
}
