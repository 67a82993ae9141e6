//! The per-node findings about links in words. Where the fix names how a codec or a link is
//! written, tokens get the builder's words (`.with_serializer_raw(f)`), a file its TOML
//! fields (`serializer = "f"`).

use super::{NodeFinding, Role, UrlProblem, Words};
use crate::check::at;
use crate::check::links::connector_list;
use crate::diagnostic::Diagnostic;

/// A link finding as a diagnostic in `words`; `None` for any other finding.
pub(super) fn render(finding: &NodeFinding, words: Words) -> Option<Diagnostic> {
    let file = words == Words::File;
    Some(match finding {
        NodeFinding::CodecOffRuntime {
            codec,
            runtime,
            here,
            span,
        } => {
            let raw = if file {
                "`serializer = \"path::to::f\"` / `deserializer = \"path::to::f\"`"
            } else {
                "`.with_serializer_raw(f)` / `.with_deserializer_raw(f)`"
            };
            Diagnostic::error(*span, format!("the `{codec}` codec does not run on {runtime}"))
                .help(format!(
                    "on {runtime} name one of: {}; or give the link a raw codec ({raw})",
                    here.join(", ")
                ))
        }
        NodeFinding::FixedFormat {
            scheme,
            codec,
            why,
            span,
        } => Diagnostic::error(
            *span,
            format!("a `{scheme}://` link cannot take the named codec `{codec}`: {why}"),
        )
        .help(if file {
            "give the link the raw codec of its datapoint instead, e.g. `serializer = \"SetpointApplied::to_dpt9_001\"`"
        } else {
            "give the link the raw codec of its datapoint instead, e.g. `serializer = \"SetpointApplied::to_dpt9_001\"` (`.with_serializer_raw(SetpointApplied::to_dpt9_001)`)"
        }),
        NodeFinding::NoCodec {
            key,
            link,
            value_type,
            span,
        } => {
            let outbound = matches!(link, Role::LinkTo(_));
            let (codec, signature) = if outbound {
                ("serializer", format!("fn(&{value_type}, &mut [u8]) -> Result<usize, CodecError>"))
            } else {
                ("deserializer", format!("fn(&[u8]) -> Result<{value_type}, CodecError>"))
            };
            let help = if file {
                format!("add `codec = \"postcard\"` (or `\"json\"`) for a serde type, or `{codec} = \"path::to::f\"` with `f: {signature}`")
            } else {
                format!("add `.with_{codec}_raw(f)` right after it, with `f: {signature}`")
            };
            Diagnostic::error(
                *span,
                format!("`{}` of record `{key}` has no {codec}", link.words(words)),
            )
            .help(help)
        }
        NodeFinding::Url { url, problem, span } => {
            let (message, help) = url_words(url, problem);
            Diagnostic::error(*span, message).help(help)
        }
        NodeFinding::LinkTwice {
            url,
            identity,
            first,
            first_url,
            first_span,
            span,
        } => {
            let label = first.words(words);
            let diagnostic = if first_url == url {
                Diagnostic::error(
                    *span,
                    format!(
                        "link \"{url}\" is declared twice in this node (first by `{label}` {})",
                        at(*first_span)
                    ),
                )
                .note_at(*first_span, format!("\"{url}\" is first used here"))
            } else {
                Diagnostic::error(*span, format!("link \"{url}\" is the address \"{identity}\" again, declared first in this node by `{label}` {}: options do not make another address", at(*first_span)))
                    .note_at(*first_span, format!("\"{identity}\" is first used here"))
            };
            diagnostic.help("a link address carries one record in one direction per node: use another address, or remove one of the links")
        }
        NodeFinding::OtherEndpoint {
            url,
            scheme,
            endpoint,
            theirs,
            first,
            first_span,
            span,
        } => Diagnostic::error(*span, format!("link \"{url}\" is on the `{scheme}` endpoint `{endpoint}`, but this node's `{scheme}` links are on `{theirs}` (first `{}` {})", first.words(words), at(*first_span)))
            .note_at(*first_span, format!("the node's `{scheme}` endpoint, `{theirs}`, is first named here"))
            .help(format!("a node has one `{scheme}` connector, which carries one stream: name `{theirs}` here (links share the stream), or declare this link on another node")),
        _ => return None,
    })
}

/// The message and help of a URL problem: the same words for both front ends.
fn url_words(url: &str, problem: &UrlProblem) -> (String, String) {
    match problem {
        UrlProblem::NoScheme { address } => (
            format!("malformed link URL \"{url}\": expected `scheme://address`"),
            format!(
                "write the connector's scheme first, e.g. \"mqtt://{}\"; connectors: {}",
                address.trim_start_matches('/'),
                connector_list()
            ),
        ),
        UrlProblem::EmptyAddress { scheme } => (
            format!("link URL \"{url}\" has an empty address"),
            format!(
                "name what the link carries after `{scheme}://`, e.g. \"{scheme}://climate/zone-a/reading\""
            ),
        ),
        UrlProblem::UnknownScheme { scheme, close } => (
            format!("no connector handles the URL scheme `{scheme}`"),
            match close {
                Some(close) => format!("did you mean `{close}`? connectors: {}", connector_list()),
                None => format!("use a scheme a connector handles: {}", connector_list()),
            },
        ),
        UrlProblem::SchemeOffRuntime {
            scheme,
            runtime,
            here,
        } => (
            format!("the `{scheme}` connector is not available on {runtime}"),
            format!(
                "on {runtime} use one of: {}; or declare this link on a node whose runtime has `{scheme}`",
                here.join(", ")
            ),
        ),
        UrlProblem::Grammar { error, fix } => {
            (format!("invalid link URL \"{url}\": {error}"), fix.clone())
        }
    }
}
