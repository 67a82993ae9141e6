//! Collecting every error of one derive, so a user sees all their mistakes in one compile.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// The errors found so far, combined into one `syn::Error` (which holds many).
#[derive(Default)]
pub struct Diagnostics {
    combined: Option<syn::Error>,
}

/// Build one message: a rustc-style first line, then a `help:` line that says the fix.
///
/// Stable proc macros cannot attach a real `help` sub-diagnostic, so the fix travels in the
/// message text; rustc prints the second line under the first.
pub fn message(what: &str, help: &str) -> String {
    format!("{what}\nhelp: {help}")
}

impl Diagnostics {
    /// Record an error at `span`.
    pub fn error(&mut self, span: Span, what: &str, help: &str) {
        self.push(syn::Error::new(span, message(what, help)));
    }

    /// Record an error covering all of `tokens` (for example a whole attribute).
    pub fn error_spanned(&mut self, tokens: impl ToTokens, what: &str, help: &str) {
        self.push(syn::Error::new_spanned(tokens, message(what, help)));
    }

    /// Record a secondary diagnostic without a fix of its own (it points at the other half of
    /// an error reported elsewhere, like the first variant of a duplicate key).
    pub fn note(&mut self, span: Span, what: &str) {
        self.push(syn::Error::new(span, what));
    }

    /// Record an already built error.
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// Whether nothing has been reported.
    pub fn is_empty(&self) -> bool {
        self.combined.is_none()
    }

    /// `Ok(())` if nothing was reported, otherwise every error at once.
    pub fn into_result(self) -> syn::Result<()> {
        match self.combined {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// One `compile_error!` per error, each on its own span.
    pub fn to_compile_errors(&self) -> TokenStream {
        self.combined
            .as_ref()
            .map(syn::Error::to_compile_error)
            .unwrap_or_default()
    }
}
