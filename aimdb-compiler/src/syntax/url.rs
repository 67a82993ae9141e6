//! Link URLs: `scheme://address`. Splitting only; [`crate::check::links`] judges them.

use crate::diagnostic::{Diagnostic, Span};
use crate::model::Url;

/// Read a link's URL argument, which must be a string literal.
pub fn parse(expr: &syn::Expr, method: &str) -> Result<Url, Diagnostic> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(literal),
            ..
        }) => Ok(split(&literal.value(), literal.span().into())),
        other => Err(Diagnostic::error(
            syn::spanned::Spanned::span(other),
            format!("`.{method}` takes the link URL as a string literal"),
        )
        .help(format!(
            "write `.{method}(\"mqtt://climate/zone-a/reading\")`"
        ))),
    }
}

/// Split `text` at its first `://`.
pub fn split(text: &str, span: Span) -> Url {
    let (scheme, address) = match text.split_once("://") {
        Some((scheme, address)) => (Some(scheme.to_owned()), address.to_owned()),
        None => (None, text.to_owned()),
    };
    Url {
        text: text.to_owned(),
        scheme,
        address,
        span,
        template: None,
    }
}
