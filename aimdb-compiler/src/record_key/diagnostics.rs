//! Collecting every error of one derive, so a user sees all their mistakes in one compile.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// The errors found so far. They are reported in source order (an error and the note that
/// goes with it stay together), whatever order the checks found them in.
#[derive(Default)]
pub struct Diagnostics {
    groups: Vec<Group>,
}

/// One error, plus any note that belongs to it.
struct Group {
    /// Line and column of the error's start, the sort key (0:0 when rustc gives no location,
    /// which leaves the order in which errors were found).
    at: (usize, usize),
    error: syn::Error,
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

    /// Record a secondary diagnostic for the error recorded just before, without a fix of its
    /// own: it points at the other half of that error, like the first variant of a duplicate
    /// key. Stable proc macros cannot emit a real `note`, so it shows as an error of its own,
    /// right after the one it explains.
    pub fn note(&mut self, span: Span, what: &str) {
        let note = syn::Error::new(span, what);
        match self.groups.last_mut() {
            Some(group) => group.error.combine(note),
            None => self.push(note),
        }
    }

    /// Record an already built error.
    pub fn push(&mut self, error: syn::Error) {
        let start = error.span().start();
        self.groups.push(Group {
            at: (start.line, start.column),
            error,
        });
    }

    /// `Ok(())` if nothing was reported, otherwise every error at once, in source order.
    pub fn into_result(mut self) -> syn::Result<()> {
        self.groups.sort_by_key(|group| group.at);
        let mut groups = self.groups.into_iter().map(|group| group.error);
        let Some(mut combined) = groups.next() else {
            return Ok(());
        };
        groups.for_each(|error| combined.combine(error));
        Err(combined)
    }

    /// One `compile_error!` per error, each on its own span, in source order.
    pub fn into_compile_errors(self) -> TokenStream {
        self.into_result()
            .err()
            .map(|error| error.to_compile_error())
            .unwrap_or_default()
    }
}
