//! Rust tokens as compact text, for identities and messages (`Temperature::to_bytes`).

use quote::ToTokens;

/// Tokens as text without the spaces `TokenStream::to_string` puts around punctuation.
fn compact(tokens: impl ToTokens) -> String {
    let text = tokens.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let before = i.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i + 1).copied();
            // Keep a space only between two word characters (`dyn Trait`, `&'static str`).
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            if word(before) && word(after) {
                out.push(' ');
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// A type as written, compactly.
pub fn type_text(ty: &syn::Type) -> String {
    compact(ty)
}

/// An expression as written, compactly; a closure reads as `closure` in messages.
pub fn expr_text(expr: &syn::Expr) -> String {
    match expr {
        syn::Expr::Closure(_) => "closure".to_owned(),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => format!("{:?}", s.value()),
        _ => compact(expr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacts_paths_and_types() {
        let expr: syn::Expr = syn::parse_quote!(Temperature::to_bytes);
        assert_eq!(expr_text(&expr), "Temperature::to_bytes");
        let ty: syn::Type = syn::parse_quote!(heapless::Vec<u8, 4>);
        assert_eq!(type_text(&ty), "heapless::Vec<u8,4>");
        let ty: syn::Type = syn::parse_quote!(&'static str);
        assert_eq!(type_text(&ty), "&'static str");
    }
}
