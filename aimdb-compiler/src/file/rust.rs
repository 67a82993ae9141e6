//! Rust items written as strings in a topology file: types and function paths, parsed with
//! `syn`. A string that is not one is reported at the string's place in the file.

use crate::diagnostic::Diagnostic;
use crate::finding::Ctxt;
use crate::model::{Function, Name, TypeRef};
use crate::syntax::{expr_text, type_text};

/// `type = "Temperature"`: a Rust type.
pub(super) fn value_type(name: &Name, cx: &Ctxt) -> Option<TypeRef> {
    match syn::parse_str::<syn::Type>(&name.text) {
        Ok(ty) => Some(TypeRef {
            text: type_text(&ty),
            ty,
            span: name.span,
        }),
        Err(error) => {
            cx.push(
                Diagnostic::error(
                    name.span,
                    format!("\"{}\" is not a Rust type: {error}", name.text),
                )
                .help("write the record's value type as in Rust source, e.g. \"Temperature\" or \"crate::climate::Temperature\""),
            );
            None
        }
    }
}

/// `source = "read_temperature_loop"`: a path to a function (`module::f`, `Type::f`,
/// `f::<T>`). `role` says what it is for, in the message.
pub(super) fn function(name: &Name, role: &str, cx: &Ctxt) -> Option<Function> {
    match syn::parse_str::<syn::ExprPath>(&name.text) {
        Ok(path) => {
            let expr = syn::Expr::Path(path);
            Some(Function {
                text: expr_text(&expr),
                expr,
                span: name.span,
            })
        }
        Err(error) => {
            let detail = if name.text.trim().is_empty() {
                "it is empty".to_owned()
            } else {
                error.to_string()
            };
            cx.push(
                Diagnostic::error(
                    name.span,
                    format!(
                        "the {role} \"{}\" is not a Rust path: {detail}",
                        name.text
                    ),
                )
                .help("name the function by its path, as you would call it from the module that holds the topology: \"read_temperature_loop\", \"sensors::read\" or \"Temperature::to_bytes\""),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;

    fn name(text: &str) -> Name {
        Name {
            text: text.to_owned(),
            span: Span::Text { start: 0, end: 1 },
        }
    }

    #[test]
    fn reads_types_and_paths() {
        let cx = Ctxt::new(crate::finding::Words::File);
        let ty = value_type(&name("heapless::Vec<u8, 4>"), &cx).unwrap();
        assert_eq!(ty.text, "heapless::Vec<u8,4>");
        let f = function(&name("Temperature::to_bytes"), "serializer", &cx);
        assert_eq!(f.unwrap().text, "Temperature::to_bytes");
        assert!(cx.into_diagnostics().is_empty());
    }

    #[test]
    fn reports_what_is_not_rust() {
        let cx = Ctxt::new(crate::finding::Words::File);
        assert!(value_type(&name("Temp erature"), &cx).is_none());
        assert!(function(&name("read temperature"), "source", &cx).is_none());
        assert!(function(&name(""), "tap", &cx).is_none());
        let diagnostics = cx.into_diagnostics();
        let messages: Vec<_> = diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "\"Temp erature\" is not a Rust type: unexpected token",
                "the source \"read temperature\" is not a Rust path: unexpected token",
                "the tap \"\" is not a Rust path: it is empty",
            ]
        );
    }
}
