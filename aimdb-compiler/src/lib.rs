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
pub mod finding;
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
pub use model::System;

/// `topology!{}` and `topology!(file = "..", node = "..")`: read → check → emit, one
/// pipeline for both forms. On failure, one `compile_error!` per finding, worded and placed
/// by the form's front end.
pub fn expand_topology(tokens: TokenStream) -> TokenStream {
    let (mut out, ready) = if file::macro_form::is_file_form(&tokens) {
        file_node(tokens)
    } else {
        let ready = token_node(tokens).map_err(|diagnostics| errors(&diagnostics));
        (TokenStream::new(), ready)
    };
    match ready.and_then(|ready| emit(ready).map_err(|d| errors(&[d]))) {
        Ok(code) | Err(code) => out.extend(code),
    }
    out
}

/// The token form's pipeline, returning the generated code or every diagnostic found.
pub fn compile(tokens: TokenStream) -> Result<TokenStream, Vec<Diagnostic>> {
    emit(token_node(tokens)?).map_err(|d| vec![d])
}

/// Parse and check a topology file: every per-node check on every node, then the
/// whole-system checks. Each per-node finding gets a note naming its node; all of them
/// come in file order.
pub fn check_file(source: &str) -> (Option<System>, Vec<Diagnostic>) {
    let parsed = file::parse(source);
    let mut diagnostics = parsed.diagnostics;
    let Some(system) = parsed.system else {
        return (None, diagnostics);
    };
    for node in &system.nodes {
        // The node's findings in the file's words, improved by what the whole system knows.
        let cx = finding::Ctxt::new(finding::Words::File);
        check::check_into(&node.topology, &cx);
        cx.refine(|finding| system::refine(&system, node, finding));
        for diagnostic in cx.into_diagnostics() {
            diagnostics.push(diagnostic.note(format!(
                "in node `{}` ({})",
                node.name(),
                node.runtime().name()
            )));
        }
    }
    let cx = finding::Ctxt::new(finding::Words::File);
    system::check(&system, &cx);
    diagnostics.extend(cx.into_diagnostics());
    // File order: a reader fixes the file top to bottom.
    diagnostics.sort_by_key(|d| match d.span {
        diagnostic::Span::Text { start, .. } => start,
        diagnostic::Span::Tokens(_) => 0,
    });
    (Some(system), diagnostics)
}

/// A node's checked model, ready to emit.
struct Ready {
    topology: model::Topology,
    /// The `memory.x` the RAM budget was read from, tracked by the expansion.
    memory_x: Option<String>,
    /// Where a failure to write the readable copy is reported.
    dump_at: diagnostic::Span,
}

/// The token form: parse and check one node.
fn token_node(tokens: TokenStream) -> Result<Ready, Vec<Diagnostic>> {
    // Without a header or readable Rust syntax there is no model to check.
    let parsed = syntax::parse(tokens);
    let Some(mut topology) = parsed.topology else {
        return Err(parsed.diagnostics);
    };
    // What the tokens leave open: an embassy node's RAM budget from memory.x.
    let memory_x = target::default_ram(&mut topology, manifest_dir().as_deref());
    // Keep the parse errors: one compile reports everything.
    let mut diagnostics = parsed.diagnostics;
    diagnostics.extend(check::check(&topology));
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let dump_at = topology.node.name.span;
    Ok(Ready {
        topology,
        memory_x,
        dump_at,
    })
}

/// The file form: read the file, check the whole system, and take out the one node. The
/// first stream is what the expansion carries in any case (what cargo must track).
fn file_node(tokens: TokenStream) -> (TokenStream, Result<Ready, TokenStream>) {
    let loaded = match file::macro_form::load(tokens) {
        Ok(loaded) => loaded,
        Err(expansion) => return (TokenStream::new(), Err(expansion)),
    };
    let (system, diagnostics) = check_file(&loaded.source);
    let system = match system {
        Some(system) if diagnostics.is_empty() => system,
        _ => return (TokenStream::new(), Err(loaded.errors(&diagnostics))),
    };
    let wanted = loaded.node.value();
    let Some(node) = system.nodes.iter().find(|n| n.name() == wanted) else {
        let names: Vec<&str> = system.nodes.iter().map(|n| n.name()).collect();
        return (TokenStream::new(), Err(loaded.unknown_node(&names)));
    };
    let mut topology = node.topology.clone();
    topology.node.observes = model::liveness::observed_instances(&system, node);
    // The file knows no crate: the budget from this crate's memory.x is checked here.
    let memory_x = target::default_ram(&mut topology, manifest_dir().as_deref());
    let budget = check::ram_budget(&topology);
    if !budget.is_empty() {
        return (TokenStream::new(), Err(loaded.errors(&budget)));
    }
    let mut out = loaded.prelude.clone();
    out.extend(loaded.place(&mut topology));
    let ready = Ready {
        topology,
        memory_x,
        dump_at: diagnostic::Span::Tokens(loaded.node.span()),
    };
    (out, Ok(ready))
}

/// Emit a checked node, once for both forms, and write a readable copy if asked to.
fn emit(ready: Ready) -> Result<TokenStream, Diagnostic> {
    let mut code = codegen::emit(&ready.topology);
    dump::write_if_requested(&ready.topology.node.name.text, ready.dump_at, &code)?;
    code.extend(target::track(ready.memory_x.as_deref()));
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
