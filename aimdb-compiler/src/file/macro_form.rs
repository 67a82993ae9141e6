//! `topology!(file = "topologies/climate.toml", node = "sensor")`: the file form's
//! arguments, the file read at compile time, and how its findings are reported. The
//! pipeline ([`crate::expand_topology`]) checks the whole system and emits the one node
//! through the same emitter as the inline `topology!{}`.
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

use proc_macro2::{Span as TokenSpan, TokenStream, TokenTree};
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{LitStr, MetaNameValue, Token};

use crate::diagnostic::Diagnostic;
use crate::model::Topology;
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

/// A file form read from disk: what the pipeline checks and emits, and how to report.
pub struct Loaded {
    /// What the expansion carries whatever happens next: the tracked variable and the
    /// file's `include_bytes!` (cargo rebuilds the crate when either changes).
    pub prelude: TokenStream,
    /// The path as written in `file = ".."`.
    pub written: String,
    /// The file's text.
    pub source: String,
    /// The `file = ".."` literal: where every finding in the file is reported.
    pub at: TokenSpan,
    /// The `node = ".."` literal.
    pub node: LitStr,
}

/// Read the file form's arguments and the file. `Err` is the expansion to return: the
/// error as a `compile_error!`, after whatever must be tracked.
pub fn load(tokens: TokenStream) -> Result<Loaded, TokenStream> {
    let args = args(tokens).map_err(|error| error.to_compile_error())?;
    let written = args.file.value();
    let (path, tracked_var) = resolve(&written)
        .map_err(|message| syn::Error::new(args.file.span(), message).to_compile_error())?;
    let mut prelude = TokenStream::new();
    if let Some(var) = &tracked_var {
        // `option_env!` puts the variable in rustc's dep-info: cargo rebuilds when it changes.
        prelude.extend(quote!(
            const _: ::core::option::Option<&str> = option_env!(#var);
        ));
    }
    let source = match std::fs::read_to_string(&path) {
        Ok(source) => source,
        Err(error) => {
            let message = format!(
                "cannot read the topology file `{written}`: {error}\n  = help: the path is relative to this crate's Cargo.toml (CARGO_MANIFEST_DIR), absolute, or `$VAR/...` with an environment variable"
            );
            prelude.extend(syn::Error::new(args.file.span(), message).to_compile_error());
            return Err(prelude);
        }
    };
    // The file is an input of the crate: cargo rebuilds it whenever the file changes.
    let absolute = path.to_string_lossy().into_owned();
    prelude.extend(quote!(
        const _: &[u8] = include_bytes!(#absolute);
    ));
    Ok(Loaded {
        prelude,
        written,
        source,
        at: args.file.span(),
        node: args.node,
    })
}

impl Loaded {
    /// Findings in the file, after the prelude: each a compile error at the `file = ".."`
    /// literal with the rustc-style rendering of its place in the file.
    pub fn errors(&self, diagnostics: &[Diagnostic]) -> TokenStream {
        let mut out = self.prelude.clone();
        for diagnostic in diagnostics {
            // rustc adds its own `error: ` before the message.
            let text = diagnostic.render(&self.written, &self.source);
            let text = text.trim_end().trim_start_matches("error: ");
            out.extend(syn::Error::new(self.at, text).to_compile_error());
        }
        out
    }

    /// The file has no node of the name asked for: the error at `node = ".."`.
    pub fn unknown_node(&self, names: &[&str]) -> TokenStream {
        let wanted = self.node.value();
        let help = match did_you_mean(&wanted, names.iter().copied()) {
            Some(close) => format!("did you mean \"{close}\"?"),
            None => format!("its nodes: {}", names.join(", ")),
        };
        let message = format!(
            "the topology file `{}` has no node \"{wanted}\"\n  = help: {help}",
            self.written
        );
        let mut out = self.prelude.clone();
        out.extend(syn::Error::new(self.node.span(), message).to_compile_error());
        out
    }

    /// Place the node's Rust items for rustc (see `located`): returns the definitions to
    /// emit before the node, and gives every element the `file = ".."` literal's span.
    pub fn place(&self, topology: &mut Topology) -> TokenStream {
        let definitions = super::located::locate(topology, &self.written, &self.source, self.at);
        super::located::pin(topology, self.at);
        definitions
    }
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
