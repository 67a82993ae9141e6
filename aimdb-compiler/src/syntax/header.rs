//! The node header: `node NAME: tokio;` or `node NAME: embassy;`.

use syn::parse::ParseStream;
use syn::{Ident, Token};

use crate::diagnostic::Diagnostic;
use crate::model::{Name, Node, Runtime};
use crate::suggest::did_you_mean;

const HELP: &str = "begin the topology with its node header: `node sensor: tokio;` (or `embassy`)";

/// Parse the header at the start of the input.
pub fn parse(input: ParseStream) -> Result<Node, Diagnostic> {
    if input.is_empty() {
        return Err(Diagnostic::error(input.span(), "this topology has no node header").help(HELP));
    }
    let keyword: Ident = input.parse().map_err(|e| {
        Diagnostic::error(e.span(), "expected the node header `node NAME: RUNTIME;`").help(HELP)
    })?;
    if keyword != "node" {
        return Err(Diagnostic::error(
            keyword.span(),
            format!("expected the node header `node NAME: RUNTIME;`, found `{keyword}`"),
        )
        .help(HELP));
    }
    let name: Ident = input.parse().map_err(|e| {
        Diagnostic::error(e.span(), "expected the node's name after `node`")
            .help("the name becomes the generated module: `node sensor: tokio;`")
    })?;
    input.parse::<Token![:]>().map_err(|e| {
        Diagnostic::error(
            e.span(),
            "expected `:` and the runtime after the node's name",
        )
        .help(format!(
            "write `node {name}: tokio;` or `node {name}: embassy;`"
        ))
    })?;
    let runtime_ident: Ident = input.parse().map_err(|e| {
        Diagnostic::error(
            e.span(),
            "expected the node's runtime: `tokio` or `embassy`",
        )
    })?;
    let runtime_text = runtime_ident.to_string();
    let Some(runtime) = Runtime::ALL
        .iter()
        .find(|(text, _)| *text == runtime_text)
        .map(|(_, runtime)| *runtime)
    else {
        let names = Runtime::ALL.map(|(text, _)| text);
        let help = match did_you_mean(&runtime_text, names) {
            Some(close) => format!("did you mean `{close}`? runtimes: tokio, embassy"),
            None => {
                "runtimes: tokio (host, `async fn run`), embassy (firmware, `fn spawn`)".to_owned()
            }
        };
        return Err(Diagnostic::error(
            runtime_ident.span(),
            format!("unknown runtime `{runtime_text}`"),
        )
        .help(help));
    };
    input.parse::<Token![;]>().map_err(|e| {
        Diagnostic::error(e.span(), "expected `;` after the node header")
            .help(format!("write `node {name}: {runtime_text};`"))
    })?;
    Ok(Node {
        name: Name {
            text: name.to_string(),
            span: name.span().into(),
        },
        runtime,
        runtime_span: runtime_ident.span().into(),
    })
}
