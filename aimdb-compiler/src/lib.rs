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
pub mod target;

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
    let Some(mut topology) = parsed.topology else {
        return Err(parsed.diagnostics);
    };
    // 2. Analyze what the tokens leave open: an embassy node's RAM budget from memory.x.
    let memory_x = target::default_ram(&mut topology, manifest_dir().as_deref());
    // 3. Check, keeping the parse errors: one compile reports everything.
    let mut diagnostics = parsed.diagnostics;
    diagnostics.extend(check::check(&topology));
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    // 4. Emit, and write a readable copy if asked to.
    let mut code = codegen::emit(&topology);
    code.extend(target::track(memory_x.as_deref()));
    dump::write_if_requested(&topology.node.name.text, topology.node.name.span, &code)
        .map_err(|d| vec![d])?;
    Ok(code)
}

/// The directory of the crate the macro expands in, as cargo sets it.
pub(crate) fn manifest_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from)
}

/// Diagnostics as `compile_error!` invocations.
fn errors(diagnostics: &[Diagnostic]) -> TokenStream {
    diagnostic::to_syn_error(diagnostics)
        .map(|error| error.to_compile_error())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
