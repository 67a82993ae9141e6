//! `topology!(file = "topologies/climate.toml", node = "sensor")`: read the file at compile
//! time, check the whole system, and emit the one node through the same emitter as the
//! inline `topology!{}`.
//!
//! - The path is relative to the invoking crate's `CARGO_MANIFEST_DIR`, or absolute, or
//!   starts with `$VAR/` (an environment variable set when building, e.g.
//!   `$AIMDB_TOPOLOGIES/climate.toml`): the way a crate outside the repository points at a
//!   shared file. The variable is tracked, so changing it rebuilds the crate.
//! - The expansion holds `const _: &[u8] = include_bytes!("/absolute/path")`, so cargo
//!   rebuilds the crate whenever the file changes (also after an error).
//! - A finding in the file is a compile error at the `file = ".."` literal whose message is
//!   the rustc-style rendering (`--> file:line:col`, the quoted line, notes, help).
//! - Rust items written in the file (types, functions) are emitted with the span of the
//!   `file = ".."` literal, so rustc's errors about them (a missing function, a wrong
//!   signature) point there and name the item as written in the file.

use std::path::PathBuf;

use proc_macro2::{Group, Span as TokenSpan, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{Parse, Parser};
use syn::punctuated::Punctuated;
use syn::{LitStr, MetaNameValue, Token};

use crate::diagnostic::Span;
use crate::model::{BufferKind, Codec, Topology};
use crate::suggest::did_you_mean;

/// Whether a `topology!` invocation is the file form: it starts with `file =`.
pub fn is_file_form(tokens: &TokenStream) -> bool {
    let mut iter = tokens.clone().into_iter();
    matches!(
        (iter.next(), iter.next()),
        (Some(TokenTree::Ident(ident)), Some(TokenTree::Punct(eq)))
            if ident == "file" && eq.as_char() == '='
    )
}

/// The file form's arguments.
struct Args {
    file: LitStr,
    node: LitStr,
}

/// Expand the file form; every error becomes a `compile_error!`.
pub fn expand(tokens: TokenStream) -> TokenStream {
    let args = match args(tokens) {
        Ok(args) => args,
        Err(error) => return error.to_compile_error(),
    };
    let written = args.file.value();
    let (path, tracked_var) = match resolve(&written) {
        Ok(resolved) => resolved,
        Err(message) => return syn::Error::new(args.file.span(), message).to_compile_error(),
    };
    let mut out = TokenStream::new();
    if let Some(var) = &tracked_var {
        // `option_env!` puts the variable in rustc's dep-info: cargo rebuilds when it changes.
        out.extend(quote!(
            const _: ::core::option::Option<&str> = option_env!(#var);
        ));
    }
    let source = match std::fs::read_to_string(&path) {
        Ok(source) => source,
        Err(error) => {
            let message = format!(
                "cannot read the topology file `{written}`: {error}\n  = help: the path is relative to this crate's Cargo.toml (CARGO_MANIFEST_DIR), absolute, or `$VAR/...` with an environment variable"
            );
            out.extend(syn::Error::new(args.file.span(), message).to_compile_error());
            return out;
        }
    };
    // The file is an input of the crate: cargo rebuilds it whenever the file changes.
    let absolute = path.to_string_lossy().into_owned();
    out.extend(quote!(
        const _: &[u8] = include_bytes!(#absolute);
    ));
    let (system, diagnostics) = super::check_source(&source);
    if !diagnostics.is_empty() {
        out.extend(file_errors(
            &diagnostics,
            &written,
            &source,
            args.file.span(),
        ));
        return out;
    }
    let Some(system) = system else {
        return out;
    };
    let wanted = args.node.value();
    let Some(node) = system.nodes.iter().find(|n| n.name() == wanted) else {
        let names: Vec<&str> = system.nodes.iter().map(|n| n.name()).collect();
        let help = match did_you_mean(&wanted, names.iter().copied()) {
            Some(close) => format!("did you mean \"{close}\"?"),
            None => format!("its nodes: {}", names.join(", ")),
        };
        let message =
            format!("the topology file `{written}` has no node \"{wanted}\"\n  = help: {help}");
        out.extend(syn::Error::new(args.node.span(), message).to_compile_error());
        return out;
    };
    let mut topology = node.topology.clone();
    // An instanced writer is observed as each of its instances (`sensor-zone-a`).
    topology.node.observes = crate::system::observed_nodes(&system, node)
        .into_iter()
        .flat_map(|name| {
            let writer = system.nodes.iter().find(|n| n.name() == name);
            match writer.map(|w| &w.topology.node.instances) {
                Some(instances) if !instances.is_empty() => {
                    instances.iter().map(|i| format!("{name}-{i}")).collect()
                }
                _ => vec![name.to_owned()],
            }
        })
        .collect();
    // The file knows no crate: the budget from this crate's memory.x is checked here.
    let memory_x = crate::target::default_ram(&mut topology, crate::manifest_dir().as_deref());
    let budget = crate::check::ram_budget(&topology);
    if !budget.is_empty() {
        out.extend(file_errors(&budget, &written, &source, args.file.span()));
        return out;
    }
    out.extend(crate::target::track(memory_x.as_deref()));
    out.extend(super::located::locate(
        &mut topology,
        &written,
        &source,
        args.file.span(),
    ));
    pin(&mut topology, args.file.span());
    let code = crate::codegen::emit(&topology);
    if let Err(diagnostic) =
        crate::dump::write_if_requested(&wanted, Span::Tokens(args.node.span()), &code)
    {
        out.extend(diagnostic.to_syn_error().to_compile_error());
    }
    out.extend(code);
    out
}

/// Findings in the file, each a compile error at the `file = ".."` literal with the
/// rustc-style rendering of its place in the file.
fn file_errors(
    diagnostics: &[crate::diagnostic::Diagnostic],
    written: &str,
    source: &str,
    at: TokenSpan,
) -> TokenStream {
    let mut out = TokenStream::new();
    for diagnostic in diagnostics {
        // rustc adds its own `error: ` before the message.
        let text = diagnostic.render(written, source);
        let text = text.trim_end().trim_start_matches("error: ");
        out.extend(syn::Error::new(at, text).to_compile_error());
    }
    out
}

/// `file = "..", node = ".."`, each once, nothing else.
fn args(tokens: TokenStream) -> syn::Result<Args> {
    let call = TokenSpan::call_site();
    let pairs = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(tokens)?;
    let (mut file, mut node) = (None, None);
    for pair in pairs {
        let name = pair
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let slot = match name.as_str() {
            "file" => &mut file,
            "node" => &mut node,
            _ => {
                let help = did_you_mean(&name, ["file", "node"])
                    .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
                return Err(syn::Error::new_spanned(
                    &pair.path,
                    format!(
                        "unknown argument `{name}`{help}: the file form takes `file = \"path/to/topology.toml\", node = \"NAME\"`"
                    ),
                ));
            }
        };
        let literal = match &pair.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => s.clone(),
            other => {
                return Err(syn::Error::new_spanned(
                    other,
                    format!("`{name}` takes a string literal"),
                ));
            }
        };
        if slot.replace(literal).is_some() {
            return Err(syn::Error::new_spanned(
                &pair.path,
                format!("`{name}` is given twice"),
            ));
        }
    }
    let missing = |what: &str| {
        syn::Error::new(
            call,
            format!(
                "`topology!(file = ..)` needs `{what}`: `topology!(file = \"topologies/climate.toml\", node = \"sensor\")`"
            ),
        )
    };
    Ok(Args {
        file: file.ok_or_else(|| missing("file"))?,
        node: node.ok_or_else(|| missing("node"))?,
    })
}

/// The file's absolute path, and the environment variable it depends on, if any.
pub fn resolve(written: &str) -> Result<(PathBuf, Option<String>), String> {
    if let Some(rest) = written.strip_prefix('$') {
        let (var, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let base = std::env::var_os(var).ok_or_else(|| {
            format!("the topology file path `{written}` starts with `${var}`, but the environment variable `{var}` is not set\n  = help: set it to the directory that holds the topology files when building, e.g. `{var}=/path/to/topologies cargo build`")
        })?;
        return Ok((PathBuf::from(base).join(tail), Some(var.to_owned())));
    }
    let path = PathBuf::from(written);
    if path.is_absolute() {
        return Ok((path, None));
    }
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").ok_or_else(|| {
        format!("cannot resolve `{written}`: CARGO_MANIFEST_DIR is not set (build with cargo, or give an absolute path)")
    })?;
    Ok((PathBuf::from(manifest).join(path), None))
}

/// Give every element of the node the span of the `file = ".."` literal: the one place in
/// the user's Rust source a rustc error about an item from the file can point at.
fn pin(topology: &mut Topology, at: TokenSpan) {
    let span = Span::Tokens(at);
    topology.node.name.span = span;
    topology.node.runtime_span = span;
    for record in &mut topology.records {
        record.key.span = span;
        record.key.expr = respan(&record.key.expr, at);
        for ty in std::iter::once(&mut record.value_type).chain(&mut record.accepts) {
            ty.span = span;
            ty.ty = respan(&ty.ty, at);
        }
        if let Some(pin) = &mut record.contract {
            pin.span = span;
        }
        record.span = span;
        record.chain_end = span;
        record.finish = Some(span);
        for buffer in &mut record.buffers {
            buffer.span = span;
            if let BufferKind::SpmcRing { capacity_span, .. } = &mut buffer.kind {
                *capacity_span = span;
            }
        }
        let functions = record
            .sources
            .iter_mut()
            .map(|s| {
                s.span = span;
                &mut s.function
            })
            .chain(record.taps.iter_mut().map(|t| {
                t.span = span;
                &mut t.function
            }));
        for function in functions {
            function.span = span;
            function.expr = respan(&function.expr, at);
        }
        for link in &mut record.links_to {
            link.span = span;
            link.url.span = span;
            pin_codec(&mut link.serializer, at);
        }
        for link in &mut record.links_from {
            link.span = span;
            link.url.span = span;
            pin_codec(&mut link.deserializer, at);
        }
        for transform in &mut record.transforms {
            transform.span = span;
            for input in &mut transform.inputs {
                input.span = span;
                input.key.span = span;
                input.key.expr = respan(&input.key.expr, at);
                if let Some(ty) = &mut input.value_type {
                    ty.span = span;
                    ty.ty = respan(&ty.ty, at);
                }
            }
            if let Some(handler) = &mut transform.handler {
                handler.span = span;
                handler.function.span = span;
                handler.function.expr = respan(&handler.function.expr, at);
            }
        }
    }
}

fn pin_codec(codec: &mut Codec, at: TokenSpan) {
    if let Codec::Given(function) | Codec::Named(function) = codec {
        function.span = Span::Tokens(at);
        function.expr = respan(&function.expr, at);
    }
}

/// A syntax tree with every token at `at` (parsed back from its own tokens, so it cannot fail).
pub(super) fn respan<T: Parse + ToTokens + Clone>(tree: &T, at: TokenSpan) -> T {
    fn tokens(stream: TokenStream, at: TokenSpan) -> TokenStream {
        stream
            .into_iter()
            .map(|mut tree| {
                if let TokenTree::Group(group) = &tree {
                    let mut inner = Group::new(group.delimiter(), tokens(group.stream(), at));
                    inner.set_span(at);
                    tree = TokenTree::Group(inner);
                }
                tree.set_span(at);
                tree
            })
            .collect()
    }
    let stream = tokens(tree.to_token_stream(), at);
    syn::parse2(quote_spanned!(at=> #stream)).unwrap_or_else(|_| tree.clone())
}
