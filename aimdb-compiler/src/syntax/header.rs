//! The node header: `node NAME: tokio;` or `node NAME: embassy;`.

use syn::parse::ParseStream;
use syn::{Ident, Token};

use crate::diagnostic::Diagnostic;
use crate::model::{Name, Node, RamBudget, Runtime};
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
            "expected the node's runtime: `tokio`, `embassy` or `wasm`",
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
            Some(close) => format!("did you mean `{close}`? runtimes: tokio, embassy, wasm"),
            None => {
                "runtimes: tokio (host, `async fn run`), embassy (firmware, `fn spawn`), wasm (browser, `fn spawn`)"
                    .to_owned()
            }
        };
        return Err(Diagnostic::error(
            runtime_ident.span(),
            format!("unknown runtime `{runtime_text}`"),
        )
        .help(help));
    };
    let ram = if input.peek(Token![,]) {
        input.parse::<Token![,]>().ok();
        Some(ram(input)?)
    } else {
        None
    };
    input.parse::<Token![;]>().map_err(|e| {
        Diagnostic::error(e.span(), "expected `;` after the node header")
            .help(format!("write `node {name}: {runtime_text};` (optionally `node {name}: {runtime_text}, ram = \"64K\";`)"))
    })?;
    Ok(Node {
        name: Name {
            text: name.to_string(),
            span: name.span().into(),
        },
        runtime,
        runtime_span: runtime_ident.span().into(),
        ram,
        observes: Vec::new(),
        instances: Vec::new(),
    })
}

/// `ram = "64K"` after the runtime: the static RAM the node's record buffers may take.
fn ram(input: ParseStream) -> Result<RamBudget, Diagnostic> {
    const RAM_HELP: &str = "write the budget after the runtime: `node sensor: embassy, ram = \"64K\";` (bytes, `K` or `M`)";
    let key: Ident = input.parse().map_err(|e| {
        Diagnostic::error(e.span(), "expected `ram = \"SIZE\"` after `,`").help(RAM_HELP)
    })?;
    if key != "ram" {
        let help = match did_you_mean(&key.to_string(), ["ram"]) {
            Some(_) => format!("did you mean `ram`? {RAM_HELP}"),
            None => RAM_HELP.to_owned(),
        };
        return Err(
            Diagnostic::error(key.span(), format!("unknown node option `{key}`")).help(help),
        );
    }
    input
        .parse::<Token![=]>()
        .map_err(|e| Diagnostic::error(e.span(), "expected `=` after `ram`").help(RAM_HELP))?;
    let size: syn::LitStr = input.parse().map_err(|e| {
        Diagnostic::error(e.span(), "expected the budget as a string: `ram = \"64K\"`")
            .help(RAM_HELP)
    })?;
    match RamBudget::parse(&size.value()) {
        Some(bytes) => Ok(RamBudget {
            from: crate::model::BudgetSource::Declared,
            bytes,
            span: size.span().into(),
        }),
        None => Err(Diagnostic::error(
            size.span(),
            format!("`ram = \"{}\"` is not a size", size.value()),
        )
        .help(RAM_HELP)),
    }
}
