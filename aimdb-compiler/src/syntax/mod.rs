//! Parse the `topology!{}` token grammar into the [model](crate::model).
//!
//! ```text
//! node NAME: tokio|embassy;
//! BUILDER.configure::<T>(KEY, |REG| { REG.buffer(..).source(f).tap(g)
//!     .link_to("scheme://address").with_serializer_raw(s)
//!     .link_from("scheme://address").with_deserializer_raw(d)
//!     .transform(INPUT_KEY, |b| b.map(f))            // or b.on_input(|rx, producer| ..)
//!     .transform_join(|b| b.input::<A>(K1).input::<B>(K2).on_triggers(|rx, producer| ..))
//!     .finish(); });
//! ...
//! ```
//!
//! The body is valid Rust, so `syn` parses it as statements and this module walks the
//! method chains. The parser reports what it cannot understand and keeps going, so one
//! compile shows every error; rules about the whole node live in [`crate::check`].

mod buffer;
mod chain;
mod configure;
mod header;
mod method;
mod parts;
mod text;
mod transform;
mod url;

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};

use crate::diagnostic::Diagnostic;
use crate::finding::{Ctxt, Words};
use crate::model::Topology;

pub use text::{expr_text, type_text};

/// What the parser produced: the model if the header and the Rust syntax were readable,
/// and every diagnostic found on the way.
#[derive(Debug)]
pub struct Parsed {
    /// The node's model, when the input was readable enough to build one.
    pub topology: Option<Topology>,
    /// Parse errors (the model may still be used for checks).
    pub diagnostics: Vec<Diagnostic>,
}

/// Parse a `topology!{}` body.
pub fn parse(tokens: TokenStream) -> Parsed {
    let mut header_error = None;
    let parser = |input: ParseStream| {
        let node = match header::parse(input) {
            Ok(node) => node,
            Err(diagnostic) => {
                header_error = Some(diagnostic);
                return Err(input.error("unreadable header"));
            }
        };
        let statements = syn::Block::parse_within(input)?;
        Ok((node, statements))
    };
    let (node, statements) = match parser.parse2(tokens) {
        Ok(parsed) => parsed,
        Err(error) => {
            let diagnostics = match header_error {
                Some(diagnostic) => vec![diagnostic],
                None => error
                    .into_iter()
                    .map(|e| Diagnostic::error(e.span(), e.to_string()))
                    .collect(),
            };
            return Parsed {
                topology: None,
                diagnostics,
            };
        }
    };
    let cx = Ctxt::new(Words::Builder);
    let records = statements
        .iter()
        .filter_map(|statement| configure::parse(statement, &cx))
        .collect();
    Parsed {
        topology: Some(Topology { node, records }),
        diagnostics: cx.into_diagnostics(),
    }
}
