//! The aimdb topology compiler: a pipeline you can read top to bottom.
//!
//! Tokens (or a topology file) are parsed into a [model], the model is [checked](check)
//! (every error collected, each on its own span), and the checked model is
//! [emitted](codegen) as Rust code. `aimdb-macros` is a thin shim over the entry points
//! here, so all of this can be unit-tested without invoking rustc and reused by the `aimdb`
//! CLI, which renders the same [`Diagnostic`]s as rustc-style text.

pub mod check;
pub mod codegen;
pub mod diagnostic;
pub mod dump;
pub mod file;
mod keys;
pub mod model;
pub mod record_key;
pub mod report;
pub mod suggest;
pub mod syntax;
pub mod system;

use proc_macro2::TokenStream;

pub use diagnostic::Diagnostic;

/// `topology!{}`: parse → check → emit. On failure, one `compile_error!` per finding.
pub fn expand_topology(tokens: TokenStream) -> TokenStream {
    match compile(tokens) {
        Ok(code) => code,
        Err(diagnostics) => errors(&diagnostics),
    }
}

/// The pipeline, returning the generated code or every diagnostic found.
pub fn compile(tokens: TokenStream) -> Result<TokenStream, Vec<Diagnostic>> {
    // 1. Parse. Without a header or readable Rust syntax there is no model to check.
    let parsed = syntax::parse(tokens);
    let Some(topology) = parsed.topology else {
        return Err(parsed.diagnostics);
    };
    // 2. Check, keeping the parse errors: one compile reports everything.
    let mut diagnostics = parsed.diagnostics;
    diagnostics.extend(check::check(&topology));
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    // 3. Emit, and write a readable copy if asked to.
    let code = codegen::emit(&topology);
    dump::write_if_requested(&topology.node.name.text, topology.node.name.span, &code)
        .map_err(|d| vec![d])?;
    Ok(code)
}

/// Diagnostics as `compile_error!` invocations.
fn errors(diagnostics: &[Diagnostic]) -> TokenStream {
    diagnostic::to_syn_error(diagnostics)
        .map(|error| error.to_compile_error())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
