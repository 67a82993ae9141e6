//! `[nodes.NODE.records.RECORD]`: what one node does with one record — its buffer,
//! source, taps, links (with codecs) and, once the model has them, transforms and joins.
//! Read into the model's [`Record`], the same one the `topology!{}` grammar builds.

use toml::de::DeValue;

use super::reader::{Table, Value, kind, one_or_many, span_of, string};
use super::{rust, transforms};
use crate::diagnostic::{Diagnostic, Span};
use crate::finding::Ctxt;
use crate::model::{
    Buffer, BufferKind, Codec, Function, LinkFrom, LinkTo, Name, NamedCodec, Record, Source,
    SourceHandle, Tap, Url,
};
use crate::model::{Direction, RecordDecl};
use crate::suggest::did_you_mean;

const FIELDS: [&str; 9] = [
    "buffer",
    "source",
    "source_handle",
    "taps",
    "link_to",
    "link_from",
    "transform",
    "join",
    "description",
];
const LINK_TO_FIELDS: [&str; 3] = ["url", "serializer", "codec"];
const LINK_FROM_FIELDS: [&str; 4] = ["url", "deserializer", "codec", "external"];
const BUFFER_FIELDS: [&str; 2] = ["kind", "capacity"];
const BUFFER_HELP: &str = "write `buffer = \"SingleLatest\"`, `buffer = \"Mailbox\"` or `buffer = { kind = \"SpmcRing\", capacity = 256 }`";

/// One node's use of a record: the model record.
pub(super) fn parse(
    name: &Name,
    value: &Value<'_>,
    decl: &RecordDecl,
    declared: &[RecordDecl],
    node: &str,
    cx: &Ctxt,
) -> Option<Record> {
    let what = format!("record `{}` of node `{node}`", name.text);
    let table = Table::of(value, name.span, what.clone(), cx)?;
    table.allow(&FIELDS, cx);
    table.string("description", cx);
    let key = transforms::key_of(decl, name.span);
    let mut record = Record {
        key,
        value_type: decl.value_type.clone(),
        span: name.span,
        buffers: Vec::new(),
        sources: Vec::new(),
        source_handles: Vec::new(),
        accepts: decl.accepts.clone(),
        contract: decl.contract,
        taps: Vec::new(),
        links_to: Vec::new(),
        links_from: Vec::new(),
        transforms: Vec::new(),
        // A file has no chain to finish.
        chain: None,
        complete: true,
        buffer_reported: false,
        name: Some(decl.name.clone()),
        family: Vec::new(),
        family_node: String::new(),
    };
    match table.get("buffer") {
        Some((_, value)) => record.buffers.extend(buffer(value, &what, cx)),
        None if table.meant("buffer") => {}
        None => cx.push(
            Diagnostic::error(name.span, format!("{what} has no `buffer`")).help(BUFFER_HELP),
        ),
    }
    // Reported above in the file's words; the node check need not say it again.
    record.buffer_reported = record.buffers.is_empty();
    if let Some((span, value)) = table.get("source") {
        let what = format!("`source` of {what}");
        let f = string(value, &what, cx).and_then(|n| rust::function(&n, "source", cx));
        // The record has a source the user can fix: "read but not produced" would be noise.
        record.complete &= f.is_some();
        if let Some(f) = f {
            let seq = start(span);
            record.sources.push(Source {
                span: f.span,
                function: f,
                seq,
            });
        }
    }
    if let (Some(true), Some((span, _))) = (
        table.boolean("source_handle", cx),
        table.get("source_handle"),
    ) {
        record.source_handles.push(SourceHandle {
            span,
            seq: start(span),
        });
    }
    if let Some((_, value)) = table.get("taps") {
        for item in one_or_many(value) {
            let what = format!("a tap of {what}");
            if let Some(f) = string(item, &what, cx).and_then(|n| rust::function(&n, "tap", cx)) {
                record.taps.push(Tap {
                    span: f.span,
                    function: f,
                });
            }
        }
    }
    for direction in [Direction::To, Direction::From] {
        let field = match direction {
            Direction::To => "link_to",
            Direction::From => "link_from",
        };
        let Some((_, value)) = table.get(field) else {
            continue;
        };
        for item in one_or_many(value) {
            link(item, direction, decl, &what, &mut record, cx);
        }
    }
    for join in [false, true] {
        let field = if join { "join" } else { "transform" };
        if let Some((span, value)) = table.get(field) {
            record
                .transforms
                .extend(transforms::parse(join, span, value, &what, declared, cx));
        }
    }
    Some(record)
}

fn start(span: Span) -> usize {
    match span {
        Span::Text { start, .. } => start,
        Span::Tokens(_) => 0,
    }
}

/// `buffer = "SingleLatest"` or `buffer = { kind = "SpmcRing", capacity = 256 }`.
fn buffer(value: &Value<'_>, what: &str, cx: &Ctxt) -> Option<Buffer> {
    let span = span_of(value);
    let (kind_name, capacity) = match value.get_ref() {
        DeValue::String(text) => (
            Name {
                text: text.to_string(),
                span,
            },
            None,
        ),
        DeValue::Table(_) => {
            let table = Table::of(value, span, format!("the buffer of {what}"), cx)?;
            table.allow(&BUFFER_FIELDS, cx);
            let kind = table.required_string("kind", "\"SpmcRing\"", cx)?;
            (kind, table.get("capacity").map(|(_, v)| v))
        }
        other => {
            cx.push(
                Diagnostic::error(
                    span,
                    format!(
                        "the buffer of {what} must be a string or a table, not {}",
                        kind(other)
                    ),
                )
                .help(BUFFER_HELP),
            );
            return None;
        }
    };
    let kind = match (kind_name.text.as_str(), capacity) {
        ("SpmcRing", Some(capacity)) => BufferKind::SpmcRing {
            capacity: ring_capacity(capacity, cx)?,
            capacity_span: span_of(capacity),
        },
        ("SpmcRing", None) => {
            cx.push(
                Diagnostic::error(
                    kind_name.span,
                    format!("the `SpmcRing` buffer of {what} has no capacity"),
                )
                .help("give the ring its size: `buffer = { kind = \"SpmcRing\", capacity = 256 }`"),
            );
            return None;
        }
        (name @ ("SingleLatest" | "Mailbox"), capacity) => {
            if let Some(capacity) = capacity {
                cx.push(
                    Diagnostic::error(span_of(capacity), format!("a `{name}` buffer holds one value and takes no capacity"))
                        .help("remove `capacity`, or use `{ kind = \"SpmcRing\", capacity = N }` to keep a history"),
                );
            }
            if name == "Mailbox" {
                BufferKind::Mailbox
            } else {
                BufferKind::SingleLatest
            }
        }
        (other, _) => {
            let help = match did_you_mean(other, BufferKind::NAMES) {
                Some(close) => format!("did you mean \"{close}\"? {BUFFER_HELP}"),
                None => BUFFER_HELP.to_owned(),
            };
            cx.push(
                Diagnostic::error(kind_name.span, format!("unknown buffer kind \"{other}\""))
                    .help(help),
            );
            return None;
        }
    };
    Some(Buffer { kind, span })
}

/// A ring capacity: a non-negative integer (0 is the node check's to report).
fn ring_capacity(value: &Value<'_>, cx: &Ctxt) -> Option<usize> {
    let parsed = match value.get_ref() {
        DeValue::Integer(int) => usize::from_str_radix(int.as_str(), int.radix()).ok(),
        _ => None,
    };
    if parsed.is_none() {
        cx.push(
            Diagnostic::error(
                span_of(value),
                "a ring capacity is a whole number of values",
            )
            .help("write e.g. `capacity = 256`"),
        );
    }
    parsed
}

/// One `link_to` / `link_from` table, into the model record.
fn link(
    value: &Value<'_>,
    direction: Direction,
    decl: &RecordDecl,
    record_what: &str,
    record: &mut Record,
    cx: &Ctxt,
) -> Option<()> {
    let (field, codec_field, allowed): (_, _, &[&str]) = match direction {
        Direction::To => ("link_to", "serializer", &LINK_TO_FIELDS),
        Direction::From => ("link_from", "deserializer", &LINK_FROM_FIELDS),
    };
    let span = span_of(value);
    let what = format!("a `{field}` of {record_what}");
    let table = Table::of(value, span, what.clone(), cx)?;
    table.allow(allowed, cx);
    let url_name = table.required_string("url", "\"mqtt://climate/zone-a/reading\"", cx)?;
    let url = split_url(&url_name.text, url_name.span);
    let codec_name = table.string("codec", cx);
    let external = table.boolean("external", cx).unwrap_or(false);
    let function_name = table.string(codec_field, cx);
    // `codec = "postcard"` with no function of its own: the named codec's.
    // With the place its name was written, for the codec's function.
    let named = match &function_name {
        None => codec_name
            .as_ref()
            .and_then(|n| NamedCodec::by_name(&n.text).map(|c| (c, n.span))),
        Some(_) => None,
    };
    let codec = match (&function_name, named) {
        (Some(name), _) => match rust::function(name, codec_field, cx) {
            Some(f) => Codec::Given(Box::new(f)),
            None => Codec::Reported,
        },
        (None, Some((named, span))) => Codec::Named(Box::new(named_codec_type(named, span))),
        (None, None) if table.meant(codec_field) => Codec::Reported,
        (None, None) => {
            let signature = match direction {
                Direction::To => format!(
                    "fn(&{}, &mut [u8]) -> Result<usize, CodecError>",
                    decl.value_type.text
                ),
                Direction::From => {
                    format!("fn(&[u8]) -> Result<{}, CodecError>", decl.value_type.text)
                }
            };
            cx.push(
                Diagnostic::error(
                    span,
                    format!("{what} (\"{}\") has no {codec_field}", url.text),
                )
                .help(format!(
                    "add `codec = \"postcard\"` (or `\"json\"`) for a serde type, or `{codec_field} = \"path::to::f\"` with `f: {signature}`"
                )),
            );
            Codec::Reported
        }
    };
    let seq = start(span);
    match direction {
        Direction::To => record.links_to.push(LinkTo {
            url,
            serializer: codec,
            named: named.map(|(c, _)| c),
            codec_name,
            span,
        }),
        Direction::From => record.links_from.push(LinkFrom {
            url,
            deserializer: codec,
            named: named.map(|(c, _)| c),
            codec_name,
            external,
            span,
            seq,
        }),
    }
    Some(())
}

/// Split a URL at its first `://`, as the `topology!{}` parser does.
fn split_url(text: &str, span: Span) -> Url {
    let (scheme, address) = match text.split_once("://") {
        Some((scheme, address)) => (Some(scheme.to_owned()), address.to_owned()),
        None => (None, text.to_owned()),
    };
    Url {
        text: text.to_owned(),
        scheme,
        address,
        span,
        template: None,
    }
}

/// A named codec's type (`::aimdb::codec::Postcard`), at the place its name was written.
fn named_codec_type(named: &NamedCodec, span: Span) -> Function {
    let codec = quote::format_ident!("{}", named.type_name);
    Function {
        expr: syn::parse_quote!(::aimdb::codec::#codec),
        text: named.name.to_owned(),
        span,
    }
}
