//! `BufferCfg::SpmcRing { capacity: N }`, `BufferCfg::SingleLatest`, `BufferCfg::Mailbox`.

use syn::spanned::Spanned;

use crate::diagnostic::Diagnostic;
use crate::model::BufferKind;
use crate::suggest::did_you_mean;

const KINDS: &str = "buffers: `BufferCfg::SpmcRing { capacity: N }`, `BufferCfg::SingleLatest`, `BufferCfg::Mailbox`";

/// Read the argument of `.buffer(..)`.
pub fn parse(expr: &syn::Expr) -> Result<BufferKind, Diagnostic> {
    match expr {
        syn::Expr::Path(path) if path.qself.is_none() => {
            let variant = variant(&path.path)?;
            match variant.to_string().as_str() {
                "SingleLatest" => Ok(BufferKind::SingleLatest),
                "Mailbox" => Ok(BufferKind::Mailbox),
                "SpmcRing" => Err(Diagnostic::error(
                    variant.span(),
                    "`SpmcRing` needs its capacity",
                )
                .help("write `BufferCfg::SpmcRing { capacity: 256 }`")),
                _ => Err(unknown(variant)),
            }
        }
        syn::Expr::Struct(shape) if shape.qself.is_none() => {
            let variant = variant(&shape.path)?;
            if variant != "SpmcRing" {
                if BufferKind::NAMES.contains(&variant.to_string().as_str()) {
                    return Err(Diagnostic::error(
                        variant.span(),
                        format!("`{variant}` takes no fields"),
                    )
                    .help(format!("write `BufferCfg::{variant}`")));
                }
                return Err(unknown(variant));
            }
            capacity(shape)
        }
        other => {
            Err(Diagnostic::error(other.span(), "expected a buffer configuration").help(KINDS))
        }
    }
}

/// The variant of a `BufferCfg::VARIANT` path.
fn variant(path: &syn::Path) -> Result<&syn::Ident, Diagnostic> {
    let segments: Vec<_> = path.segments.iter().collect();
    match segments.as_slice() {
        [.., enum_name, variant] if enum_name.ident == "BufferCfg" => Ok(&variant.ident),
        _ => Err(Diagnostic::error(path.span(), "expected `BufferCfg::KIND`").help(KINDS)),
    }
}

fn unknown(variant: &syn::Ident) -> Diagnostic {
    let name = variant.to_string();
    let help = match did_you_mean(&name, BufferKind::NAMES) {
        Some(close) => format!("did you mean `{close}`? {KINDS}"),
        None => KINDS.to_owned(),
    };
    Diagnostic::error(variant.span(), format!("unknown buffer kind `{name}`")).help(help)
}

/// `{ capacity: N }` with `N` an integer literal (0 is left to the checker).
fn capacity(shape: &syn::ExprStruct) -> Result<BufferKind, Diagnostic> {
    let mut found = None;
    for field in &shape.fields {
        let name = match &field.member {
            syn::Member::Named(ident) => ident.to_string(),
            syn::Member::Unnamed(index) => index.index.to_string(),
        };
        if name != "capacity" {
            let help = match did_you_mean(&name, ["capacity"]) {
                Some(close) => {
                    format!("did you mean `{close}`? `SpmcRing` has one field: `capacity`")
                }
                None => "`SpmcRing` has one field: `capacity`".to_owned(),
            };
            return Err(
                Diagnostic::error(field.member.span(), format!("unknown field `{name}`"))
                    .help(help),
            );
        }
        found = Some(&field.expr);
    }
    if let Some(rest) = &shape.rest {
        return Err(Diagnostic::error(
            rest.span(),
            "`..` is not allowed in a buffer configuration",
        )
        .help("write `BufferCfg::SpmcRing { capacity: 256 }`"));
    }
    let Some(expr) = found else {
        return Err(
            Diagnostic::error(shape.path.span(), "`SpmcRing` needs its capacity")
                .help("write `BufferCfg::SpmcRing { capacity: 256 }`"),
        );
    };
    let not_integer = || {
        Diagnostic::error(expr.span(), "the ring capacity must be an integer literal")
            .help("the compiler sizes the static buffer from it: write e.g. `capacity: 256`")
    };
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => {
            let capacity = int.base10_parse::<usize>().map_err(|_| not_integer())?;
            Ok(BufferKind::SpmcRing {
                capacity,
                capacity_span: int.span().into(),
            })
        }
        _ => Err(not_integer()),
    }
}
