//! Rust items named in a topology file, emitted so that rustc's errors about them name their
//! place in the file.
//!
//! A proc macro cannot point rustc at a line of a TOML file. So each item (a function path,
//! a value type) is emitted through a one-line `macro_rules!` named after its place:
//! `climate_toml_line_19_column_10!()` expands to `read_temperature_loop`. rustc reports an
//! error inside a macro's expansion with "this error originates in the macro
//! `climate_toml_line_19_column_10`", and the error's span is the `file = ".."` literal.

use std::collections::BTreeSet;

use proc_macro2::{Group, Ident, Span as TokenSpan, TokenStream, TokenTree};
use quote::{ToTokens, quote_spanned};
use syn::parse::Parse;

use crate::diagnostic::Span;
use crate::model::{BufferKind, Codec, Function, Topology, TypeRef};

/// Route every function and type of `topology` through a macro named after its place in
/// `source` (the file, shown as `file`); returns the macro definitions, to emit before the
/// node (textual scope reaches into the node's module).
pub(super) fn locate(
    topology: &mut Topology,
    file: &str,
    source: &str,
    at: TokenSpan,
) -> TokenStream {
    let stem = stem(file);
    let mut defined = BTreeSet::new();
    let mut definitions = TokenStream::new();
    let mut define = |span: Span, body: TokenStream| -> Option<Ident> {
        let (line, column) = span.line_column(Some(source))?;
        let name = Ident::new(&format!("{stem}_line_{line}_column_{column}"), at);
        if defined.insert(name.to_string()) {
            let body = respan_tokens(body, at);
            definitions.extend(quote_spanned!(at=>
                #[allow(unused_macros)]
                macro_rules! #name { () => { #body } }
            ));
        }
        Some(name)
    };
    let mut function = |f: &mut Function| {
        if let Some(name) = define(f.span, f.expr.to_token_stream()) {
            f.expr = syn::parse_quote_spanned!(at=> #name!());
        }
    };
    for record in &mut topology.records {
        record
            .sources
            .iter_mut()
            .for_each(|s| function(&mut s.function));
        record
            .taps
            .iter_mut()
            .for_each(|t| function(&mut t.function));
        for link in &mut record.links_to {
            if let Codec::Given(f) = &mut link.serializer {
                function(f);
            }
        }
        for link in &mut record.links_from {
            if let Codec::Given(f) = &mut link.deserializer {
                function(f);
            }
        }
        for transform in &mut record.transforms {
            if let Some(handler) = &mut transform.handler {
                function(&mut handler.function);
            }
        }
    }
    let mut ty = |t: &mut TypeRef| {
        if let Some(name) = define(t.span, t.ty.to_token_stream()) {
            t.ty = syn::parse_quote_spanned!(at=> #name!());
        }
    };
    // Join input types stay as written: the emitter tells inputs of one type apart by their
    // tokens, and the records' own types already name their place.
    for record in &mut topology.records {
        ty(&mut record.value_type);
        record.accepts.iter_mut().for_each(&mut ty);
    }
    definitions
}

fn respan_tokens(tokens: TokenStream, at: TokenSpan) -> TokenStream {
    respan(
        &syn::parse2::<proc_macro2::TokenStream>(tokens).unwrap_or_default(),
        at,
    )
}

/// `topologies/climate.toml` → `climate_toml`; anything but letters and digits becomes `_`.
fn stem(file: &str) -> String {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    match stem.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => stem,
        _ => format!("topology_{stem}"),
    }
}

/// Give every element of the node the span of the `file = ".."` literal: the one place in
/// the user's Rust source a rustc error about an item from the file can point at.
pub(super) fn pin(topology: &mut Topology, at: TokenSpan) {
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
fn respan<T: Parse + ToTokens + Clone>(tree: &T, at: TokenSpan) -> T {
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

#[cfg(test)]
mod tests {
    #[test]
    fn stems() {
        assert_eq!(
            super::stem("$AIMDB_REPO/topologies/climate.toml"),
            "climate_toml"
        );
        assert_eq!(super::stem("2-zones.toml"), "topology_2_zones_toml");
    }
}
