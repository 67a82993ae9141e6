//! `#[derive(RecordKey)]`: an enum of unit variants becomes a set of record keys.
//!
//! ```text
//! #[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
//! #[key_prefix = "setpoint/"]            // optional, prepended verbatim to every key
//! enum SetpointKey {
//!     #[key = "request/operator-a"]      // full key: "setpoint/request/operator-a"
//!     #[link_address = "mqtt://plant/setpoint/a"]   // optional, see `RecordKey::link_address`
//!     RequestOperatorA,
//!     #[key = "applied"]
//!     Applied,
//! }
//! ```
//!
//! # What it generates
//! - `impl ::aimdb::__private::aimdb_core::RecordKey for SetpointKey`: `as_str` returns the
//!   full key (prefix included), `link_address` the variant's `#[link_address]` or `None`.
//! - `pub const fn key_str(&self) -> &'static str`: the same full key, as a `const fn`, so it
//!   can initialise a `static` or be compared in a const context.
//! - `pub const KEYS: &'static [&'static str]`: every full key, in declaration order.
//!
//! # Rules, each a compile error on the offending token
//! A key is non-empty, uses only `[A-Za-z0-9/_.-]`, does not start or end with `/`, has no
//! empty segment (`//`), and is unique in the enum after prefixing. Each variant is a unit
//! variant with exactly one `#[key = "..."]` (a string literal). The derive is for enums only,
//! without generics. `#[key_prefix]` goes on the enum, `#[key]` and `#[link_address]` on
//! variants. All errors of one enum are reported in one compile, each with a `help:` line.
//!
//! # Pipeline
//! [`parse`] reads the tokens into a model, [`check`] applies the rules, [`emit`] writes the
//! code. [`derive()`] runs all three and returns either the code or every error; [`expand()`]
//! is what the proc macro calls.

pub mod check;
pub mod diagnostics;
pub mod emit;
pub mod parse;

#[cfg(test)]
mod tests;

use proc_macro2::TokenStream;

use diagnostics::Diagnostics;

/// Expand `#[derive(RecordKey)]` on `input`: the generated items, or `compile_error!`s.
///
/// When the input is still an enum, the impl is emitted next to the errors, so that code
/// using the keys does not pile "trait not implemented" errors on top of the real ones.
pub fn expand(input: TokenStream) -> TokenStream {
    let (code, diags) = run(input);
    let mut out = diags.into_compile_errors();
    out.extend(code);
    out
}

/// Parse, check and emit `input`: the generated code if it is valid, otherwise every error
/// found (iterate the returned `syn::Error` for each one).
///
/// # Errors
/// Every broken rule of the input, in source order, each with its span and a `help:` line.
pub fn derive(input: TokenStream) -> syn::Result<TokenStream> {
    let (code, diags) = run(input);
    diags.into_result()?;
    Ok(code.unwrap_or_default())
}

fn run(input: TokenStream) -> (Option<TokenStream>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let input = match syn::parse2::<syn::DeriveInput>(input) {
        Ok(input) => input,
        Err(error) => {
            diags.push(error);
            return (None, diags);
        }
    };
    let Some(model) = parse::parse(&input, &mut diags) else {
        return (None, diags);
    };
    check::check(&model, &mut diags);
    (Some(emit::emit(&model)), diags)
}
