//! Links: well-formed URLs, a connector for each scheme on the node's runtime, a codec for
//! each direction, each address once per node.

use std::collections::HashMap;

use super::at;
use crate::diagnostic::{Diagnostic, Span};
use crate::model::{Codec, Runtime, Topology, Url};
use crate::suggest::did_you_mean;

/// The connectors the compiler knows: URL scheme and the runtimes that have one.
/// A node's `Links` struct gets one field per scheme it uses, named after the scheme.
pub const CONNECTORS: [(&str, &[Runtime]); 4] = [
    ("mqtt", &[Runtime::Tokio, Runtime::Embassy]),
    ("serial", &[Runtime::Tokio, Runtime::Embassy]),
    ("loopback", &[Runtime::Tokio, Runtime::Embassy]),
    ("ws", &[Runtime::Tokio]),
];

/// The connector table as help text: `mqtt (tokio, embassy), ..., ws (tokio)`.
fn connector_list() -> String {
    CONNECTORS
        .iter()
        .map(|(scheme, runtimes)| {
            let names: Vec<_> = runtimes.iter().map(|r| r.name()).collect();
            format!("{scheme} ({})", names.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn check(topology: &Topology, diagnostics: &mut Vec<Diagnostic>) {
    let runtime = topology.node.runtime;
    let mut seen: HashMap<&str, (Span, String)> = HashMap::new();
    for record in &topology.records {
        let key = &record.key.id;
        for link in &record.links_to {
            url(&link.url, runtime, diagnostics);
            once(&link.url, "link_to", &mut seen, diagnostics);
            if matches!(link.serializer, Codec::Missing) {
                diagnostics.push(
                    Diagnostic::error(link.span, format!("`.link_to(\"{}\")` of record `{key}` has no serializer", link.url.text))
                        .help(format!("add `.with_serializer_raw(f)` right after it, with `f: fn(&{}, &mut [u8]) -> Result<usize, CodecError>`", record.value_type.text)),
                );
            }
        }
        for link in &record.links_from {
            url(&link.url, runtime, diagnostics);
            once(&link.url, "link_from", &mut seen, diagnostics);
            if matches!(link.deserializer, Codec::Missing) {
                diagnostics.push(
                    Diagnostic::error(link.span, format!("`.link_from(\"{}\")` of record `{key}` has no deserializer", link.url.text))
                        .help(format!("add `.with_deserializer_raw(f)` right after it, with `f: fn(&[u8]) -> Result<{}, CodecError>`", record.value_type.text)),
                );
            }
        }
    }
}

/// `scheme://address`, a known scheme, available on this runtime.
fn url(url: &Url, runtime: Runtime, diagnostics: &mut Vec<Diagnostic>) {
    let Some(scheme) = url.scheme.as_deref().filter(|s| !s.is_empty()) else {
        diagnostics.push(
            Diagnostic::error(
                url.span,
                format!(
                    "malformed link URL \"{}\": expected `scheme://address`",
                    url.text
                ),
            )
            .help(format!(
                "write the connector's scheme first, e.g. \"mqtt://{}\"; connectors: {}",
                url.address.trim_start_matches('/'),
                connector_list()
            )),
        );
        return;
    };
    if url.address.is_empty() {
        diagnostics.push(
            Diagnostic::error(url.span, format!("link URL \"{}\" has an empty address", url.text))
                .help(format!("name what the link carries after `{scheme}://`, e.g. \"{scheme}://climate/zone-a/reading\"")),
        );
    }
    let Some((_, runtimes)) = CONNECTORS.iter().find(|(known, _)| *known == scheme) else {
        let list = connector_list();
        let help = match did_you_mean(scheme, CONNECTORS.map(|(s, _)| s)) {
            Some(close) => format!("did you mean `{close}`? connectors: {list}"),
            None => format!("use a scheme a connector handles: {list}"),
        };
        diagnostics.push(
            Diagnostic::error(
                url.span,
                format!("no connector handles the URL scheme `{scheme}`"),
            )
            .help(help),
        );
        return;
    };
    if !runtimes.contains(&runtime) {
        let here: Vec<_> = CONNECTORS
            .iter()
            .filter(|(_, r)| r.contains(&runtime))
            .map(|(s, _)| *s)
            .collect();
        diagnostics.push(
            Diagnostic::error(
                url.span,
                format!(
                    "the `{scheme}` connector is not available on {}",
                    runtime.name()
                ),
            )
            .help(format!(
                "on {} use one of: {}; or declare this link on a node whose runtime has `{scheme}`",
                runtime.name(),
                here.join(", ")
            )),
        );
    }
}

/// Each link URL appears once in a node.
fn once<'a>(
    url: &'a Url,
    method: &str,
    seen: &mut HashMap<&'a str, (Span, String)>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let label = format!(".{method}(\"{}\")", url.text);
    match seen.get(url.text.as_str()) {
        Some((first, first_label)) => diagnostics.push(
            Diagnostic::error(url.span, format!("link \"{}\" is declared twice in this node (first by `{first_label}` {})", url.text, at(*first)))
                .help("a link address carries one record in one direction per node: use another address, or remove one of the links")
                .note_at(*first, format!("\"{}\" is first used here", url.text)),
        ),
        None => {
            seen.insert(url.text.as_str(), (url.span, label));
        }
    }
}
