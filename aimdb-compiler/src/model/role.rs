//! What a record's producer or reader is, and the words each front end names it with.

use super::{Record, TransformKind};
use crate::diagnostic::Span;

/// Which front end's words a finding is rendered in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Words {
    /// The `topology!{}` builder chain: `.source(f)`, `.link_from("..")`.
    Builder,
    /// A topology file's fields: `source = "f"`, `link_from = { url = ".." }`.
    File,
}

/// What a record's producer or reader is, for a message to name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// A source function.
    Source(String),
    /// A producer outside the node's tasks.
    SourceHandle,
    /// An inbound link from this URL.
    LinkFrom(String),
    /// A one-input transform.
    Transform,
    /// A join over several inputs.
    Join,
    /// A tap function (a reader).
    Tap(String),
    /// An outbound link to this URL (a reader).
    LinkTo(String),
    /// An input of the transform producing this key (a reader).
    Input(String),
}

impl Role {
    /// The role in `words`: `.source(read)` or `source = "read"`.
    pub fn words(&self, words: Words) -> String {
        match (self, words) {
            (Role::Source(f), Words::Builder) => format!(".source({f})"),
            (Role::Source(f), Words::File) => format!("source = \"{f}\""),
            (Role::SourceHandle, Words::Builder) => ".source_handle()".to_owned(),
            (Role::SourceHandle, Words::File) => "source_handle = true".to_owned(),
            (Role::LinkFrom(url), Words::Builder) => format!(".link_from(\"{url}\")"),
            (Role::LinkFrom(url), Words::File) => format!("link_from = {{ url = \"{url}\" }}"),
            (Role::Transform, Words::Builder) => ".transform(..)".to_owned(),
            (Role::Transform, Words::File) => "transform".to_owned(),
            (Role::Join, Words::Builder) => ".transform_join(..)".to_owned(),
            (Role::Join, Words::File) => "join".to_owned(),
            (Role::Tap(f), Words::Builder) => format!(".tap({f})"),
            (Role::Tap(f), Words::File) => format!("taps = [\"{f}\"]"),
            (Role::LinkTo(url), Words::Builder) => format!(".link_to(\"{url}\")"),
            (Role::LinkTo(url), Words::File) => format!("link_to = {{ url = \"{url}\" }}"),
            (Role::Input(key), _) => format!("the transform producing `{key}`"),
        }
    }

    /// The role of one of `record`'s producers.
    pub fn of(producer: &ProducerRef, record: &Record) -> Role {
        match producer.kind {
            ProducerKind::Source => record
                .sources
                .iter()
                .find(|s| s.seq == producer.seq)
                .map_or(Role::SourceHandle, |s| {
                    Role::Source(s.function.text.clone())
                }),
            ProducerKind::SourceHandle => Role::SourceHandle,
            ProducerKind::LinkFrom => record
                .links_from
                .iter()
                .find(|l| l.seq == producer.seq)
                .map_or(Role::LinkFrom(String::new()), |l| {
                    Role::LinkFrom(l.url.text.clone())
                }),
            ProducerKind::Transform => {
                match record.transforms.iter().find(|t| t.seq == producer.seq) {
                    Some(t) if t.kind == TransformKind::Join => Role::Join,
                    _ => Role::Transform,
                }
            }
        }
    }
}

/// Anything that writes a record, in a form the ownership check can order and name.
#[derive(Clone, Debug)]
pub struct ProducerRef {
    /// What kind of producer.
    pub kind: ProducerKind,
    /// How it reads in a message: `.source(read_temperature_loop)`.
    pub label: String,
    /// Its method token.
    pub span: Span,
    /// Its position in the record's chain.
    pub seq: usize,
}

/// The producer kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProducerKind {
    /// `.source(f)`.
    Source,
    /// `.link_from(url)`.
    LinkFrom,
    /// `.transform(..)` / `.transform_join(..)`.
    Transform,
    /// `.source_handle()`.
    SourceHandle,
}
