//! Links: well-formed URLs, a connector for each scheme on the node's runtime, a codec for
//! each direction, each address once per node.

use std::collections::HashMap;

use aimdb_core::address::{AddressErrorKind, Direction, SCHEMES, Scheme};

use crate::diagnostic::Span;
use crate::finding::{Ctxt, NodeFinding, UrlProblem};
use crate::model::{Codec, Role, Runtime, Topology, Url};
use crate::suggest::did_you_mean;

/// The connector table as help text: `mqtt (tokio, embassy), ..., ws (tokio, wasm)`, from the
/// scheme table the connectors share (`aimdb_core::address::SCHEMES`).
pub fn connector_list() -> String {
    SCHEMES
        .iter()
        .map(|scheme| format!("{} ({})", scheme.name, scheme.runtimes.join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn check(topology: &Topology, cx: &Ctxt) {
    let runtime = topology.node.runtime;
    let mut seen: HashMap<String, Seen> = HashMap::new();
    let mut endpoints: HashMap<&'static str, Seen> = HashMap::new();
    for record in &topology.records {
        let key = &record.key.id;
        // In source order, so of two declarations of one address the later is the error.
        let mut links: Vec<(&Url, &str, Direction, Span)> = record
            .links_to
            .iter()
            .map(|l| (&l.url, "link_to", Direction::Outbound, l.span))
            .chain(
                record
                    .links_from
                    .iter()
                    .map(|l| (&l.url, "link_from", Direction::Inbound, l.span)),
            )
            .collect();
        links.sort_by_key(|(_, _, _, span)| span.position());
        for (link_url, method, direction, _) in links {
            url(link_url, direction, runtime, cx);
            once(link_url, method, direction, &mut seen, cx);
            one_endpoint(link_url, method, &mut endpoints, cx);
        }
        let named = record
            .links_to
            .iter()
            .map(|l| (l.named, l.span))
            .chain(record.links_from.iter().map(|l| (l.named, l.span)));
        for (codec, span) in named {
            if let Some(codec) = codec.filter(|c| !c.runtimes.contains(&runtime)) {
                let here: Vec<_> = crate::model::NAMED_CODECS
                    .iter()
                    .filter(|c| c.runtimes.contains(&runtime))
                    .map(|c| c.name)
                    .collect();
                cx.report(NodeFinding::CodecOffRuntime {
                    codec: codec.name,
                    runtime: runtime.name(),
                    here,
                    span,
                });
            }
        }
        let coded = record
            .links_to
            .iter()
            .map(|l| (&l.url, &l.serializer, l.span))
            .chain(
                record
                    .links_from
                    .iter()
                    .map(|l| (&l.url, &l.deserializer, l.span)),
            );
        for (url, codec, span) in coded {
            let fixed = url
                .scheme_row()
                .and_then(|row| row.fixed_format.map(|why| (row, why)));
            if let (Codec::Named(codec), Some((row, why))) = (codec, fixed) {
                cx.report(NodeFinding::FixedFormat {
                    scheme: row.name,
                    codec: codec.text.clone(),
                    why,
                    span,
                });
            }
        }
        for link in &record.links_to {
            if matches!(link.serializer, Codec::Missing) {
                cx.report(NodeFinding::NoCodec {
                    key: key.clone(),
                    link: Role::LinkTo(link.url.text.clone()),
                    value_type: record.value_type.text.clone(),
                    span: link.span,
                });
            }
        }
        for link in &record.links_from {
            if matches!(link.deserializer, Codec::Missing) {
                cx.report(NodeFinding::NoCodec {
                    key: key.clone(),
                    link: Role::LinkFrom(link.url.text.clone()),
                    value_type: record.value_type.text.clone(),
                    span: link.span,
                });
            }
        }
    }
}

/// `scheme://address`, a known scheme, available on this runtime, an address its
/// connector's grammar accepts in this direction.
fn url(url: &Url, direction: Direction, runtime: Runtime, cx: &Ctxt) {
    let Some(scheme) = url.scheme.as_deref().filter(|s| !s.is_empty()) else {
        let address = url.address.clone();
        problem(url, UrlProblem::NoScheme { address }, cx);
        return;
    };
    if url.address.is_empty() {
        let scheme = scheme.to_owned();
        problem(url, UrlProblem::EmptyAddress { scheme }, cx);
    }
    let Some(row) = url.scheme_row() else {
        let close = did_you_mean(scheme, SCHEMES.map(|s| s.name));
        let scheme = scheme.to_owned();
        problem(url, UrlProblem::UnknownScheme { scheme, close }, cx);
        return;
    };
    if !row.runtimes.contains(&runtime.name()) {
        let here: Vec<_> = SCHEMES
            .iter()
            .filter(|s| s.runtimes.contains(&runtime.name()))
            .map(|s| s.name)
            .collect();
        let problem_ = UrlProblem::SchemeOffRuntime {
            scheme: scheme.to_owned(),
            runtime: runtime.name(),
            here,
        };
        problem(url, problem_, cx);
    }
    if !url.address.is_empty() {
        grammar(url, row, direction, runtime, cx);
    }
}

/// A family's inbound filter with its instance level written as a topic level of the same
/// length (`climate/+/reading` → `climate/_/reading`), or `None` for any other address.
fn family_topic(url: &Url) -> Option<String> {
    let (_, level) = crate::model::template::family_filter(url.template.as_deref()?)?;
    let (topic, options) = match url.address.split_once('?') {
        Some((topic, options)) => (topic, Some(options)),
        None => (url.address.as_str(), None),
    };
    let levels: Vec<&str> = topic.split('/').collect();
    if levels.get(level) != Some(&"+") {
        return None;
    }
    let topic: Vec<&str> = levels
        .iter()
        .enumerate()
        .map(|(at, l)| if at == level { "_" } else { l })
        .collect();
    let topic = topic.join("/");
    Some(match options {
        Some(options) => format!("{topic}?{options}"),
        None => topic,
    })
}

/// The connector's own address grammar, as it runs when the link is attached.
fn grammar(url: &Url, row: &Scheme, direction: Direction, runtime: Runtime, cx: &Ctxt) {
    // A family's inbound filter (`climate/+/reading`) is checked against the runtime's
    // limits as one of its topics: the embassy connector routes family filters (per family,
    // by the instance's level), though no other filter.
    let limited = family_topic(url).unwrap_or_else(|| url.address.clone());
    let checked = (row.parse)(&url.address, direction)
        .and_then(|_| (row.limits)(&limited, direction, runtime.name()));
    let Err(error) = checked else {
        return;
    };
    let scheme = row.name;
    let options = if row.options.is_empty() {
        format!("`{scheme}` addresses take no options")
    } else {
        let names: Vec<_> = row.options.iter().map(|o| format!("`{o}`")).collect();
        format!("`{scheme}` links take the options {}", names.join(", "))
    };
    let help = match error.kind {
        AddressErrorKind::WildcardOutbound => "publish to one topic with `link_to`; a filter such as `climate/+/reading` belongs in a `link_from`".to_owned(),
        AddressErrorKind::BadFilter => "write each wildcard as a whole level: `a/+/c` or `a/#` (`#` last)".to_owned(),
        AddressErrorKind::BadValue { option, expected } if row.options.contains(&option) => {
            format!("write `{option}=` followed by {expected}")
        }
        AddressErrorKind::BadValue { option, expected } => format!("the {option} takes {expected}"),
        AddressErrorKind::UnknownOption => match did_you_mean(error.part, row.options.iter().copied()) {
            Some(close) => format!("did you mean `{close}`? {options}"),
            None => options,
        },
        AddressErrorKind::RepeatedOption => format!("give `{}` once", error.part),
        AddressErrorKind::Reserved => "choose a topic outside `aimdb/nodes/`: each node's liveness is published for it (`NODE::LIVENESS`), and a node follows its producers' with `MqttConnector::node_online`".to_owned(),
        AddressErrorKind::NoOptions => format!("remove `?{}`: {options}", error.part),
        AddressErrorKind::WriterOnly { option, .. } => {
            format!("remove `{option}` here: it belongs on the writer's `link_to`")
        }
        AddressErrorKind::NotOnRuntime { .. } => format!(
            "on {} write the address so its connector takes it, or declare the link on a node of another runtime",
            runtime.name()
        ),
        _ => format!("write the address as the `{scheme}` connector takes it"),
    };
    let error = error.to_string();
    problem(url, UrlProblem::Grammar { error, fix: help }, cx);
}

/// Each link address appears once in a node, compared by the connector's identity of it
/// (`mqtt://a/b` and `mqtt://a/b?qos=0` are one topic).
fn once(
    url: &Url,
    method: &str,
    direction: Direction,
    seen: &mut HashMap<String, Seen>,
    cx: &Ctxt,
) {
    let label = role(method, url);
    let identity = url.identity(direction).unwrap_or_else(|| url.text.clone());
    let Some(first) = seen.get(&identity) else {
        seen.insert(
            identity,
            Seen {
                span: url.span,
                label,
                text: url.text.clone(),
            },
        );
        return;
    };
    cx.report(NodeFinding::LinkTwice {
        url: url.text.clone(),
        identity,
        first: first.label.clone(),
        first_url: first.text.clone(),
        first_span: first.span,
        span: url.span,
    });
}

/// A node's links of a scheme whose connector carries one stream (`tcp`, `uds`: the
/// scheme row's `endpoint`) all name one endpoint: the node has one connector per scheme.
fn one_endpoint(url: &Url, method: &str, endpoints: &mut HashMap<&'static str, Seen>, cx: &Ctxt) {
    let Some(row) = url.scheme_row() else {
        return;
    };
    // An address the grammar refuses has no endpoint; its own error is reported.
    let Some(endpoint) = row.endpoint.and_then(|of| of(&url.address)) else {
        return;
    };
    let Some(first) = endpoints.get(row.name) else {
        let label = role(method, url);
        let seen = Seen {
            span: url.span,
            label,
            text: endpoint.to_owned(),
        };
        endpoints.insert(row.name, seen);
        return;
    };
    if first.text == endpoint {
        return;
    }
    cx.report(NodeFinding::OtherEndpoint {
        url: url.text.clone(),
        scheme: row.name,
        endpoint: endpoint.to_owned(),
        theirs: first.text.clone(),
        first: first.label.clone(),
        first_span: first.span,
        span: url.span,
    });
}

/// A link declared by `method` (`link_to` or `link_from`), as a message names it.
fn role(method: &str, url: &Url) -> Role {
    if method == "link_to" {
        Role::LinkTo(url.text.clone())
    } else {
        Role::LinkFrom(url.text.clone())
    }
}

/// A URL problem, at the URL.
fn problem(url: &Url, problem: UrlProblem, cx: &Ctxt) {
    cx.report(NodeFinding::Url {
        url: url.text.clone(),
        problem,
        span: url.span,
    });
}

/// The first link of an address in a node.
struct Seen {
    span: Span,
    label: Role,
    text: String,
}
