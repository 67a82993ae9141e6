//! Links in the model: a URL, its codec, and the two ends a record can have.

use super::{Function, Name, Runtime};
use crate::diagnostic::Span;

/// A link URL, `scheme://address`.
#[derive(Clone, Debug)]
pub struct Url {
    /// The whole URL as written.
    pub text: String,
    /// The scheme, when the URL has the `scheme://` form.
    pub scheme: Option<String>,
    /// What follows `scheme://` (the address given to the connector).
    pub address: String,
    /// The string literal.
    pub span: Span,
    /// The address as written when it carries `{instance}` (a file's instanced node or
    /// record family); `address` then holds what the checks see: the first instance's
    /// address, or the wildcard filter of a family's inbound link.
    pub template: Option<String>,
}

impl Url {
    /// The scheme's row in the shared scheme table (`aimdb_core::address::SCHEMES`).
    pub fn scheme_row(&self) -> Option<&'static aimdb_core::address::Scheme> {
        aimdb_core::address::scheme(self.scheme.as_deref()?)
    }

    /// What the connector sees as one place: `scheme://identity`, the address with its
    /// transport options (`?qos=..`) left out, by the scheme's own grammar. `None` when the
    /// scheme is unknown or the address does not parse (the node's link check reports it).
    pub fn identity(&self, direction: aimdb_core::address::Direction) -> Option<String> {
        let row = self.scheme_row()?;
        let parsed = (row.parse)(&self.address, direction).ok()?;
        Some(format!("{}://{}", row.name, parsed.identity))
    }
}

/// A codec attached to a link: given, missing, or given in the wrong place (already reported).
#[derive(Clone, Debug)]
pub enum Codec {
    /// None given yet.
    Missing,
    /// The function (boxed: a `syn` expression is large, and most links have one).
    Given(Box<Function>),
    /// A codec type (`C: aimdb::codec::Codec`, written as its path: `aimdb::codec::Postcard`):
    /// the link encodes with `aimdb::contract::encode::<C, T>` and decodes with
    /// `aimdb::contract::decode::<C, T, Accepts>`, so its payloads carry the record type's
    /// contract fingerprint.
    Named(Box<Function>),
    /// A misplaced codec was reported; don't report the link as missing one.
    Reported,
}

/// A codec chosen by name (`aimdb::codec`): `.with_codec(aimdb::codec::Postcard)`, or
/// `codec = "postcard"` on a file's link with no serializer of its own.
#[derive(Debug, PartialEq, Eq)]
pub struct NamedCodec {
    /// The name a file writes (`codec = "postcard"`).
    pub name: &'static str,
    /// The codec type's name (`Postcard`), the last segment of `aimdb::codec::Postcard`.
    pub type_name: &'static str,
    /// The runtimes it runs on (JSON needs `std`: tokio, and wasm32's `std`).
    pub runtimes: &'static [Runtime],
}

/// Every named codec.
pub const NAMED_CODECS: [NamedCodec; 3] = [
    NamedCodec {
        name: "postcard",
        type_name: "Postcard",
        runtimes: &[Runtime::Tokio, Runtime::Embassy, Runtime::Wasm],
    },
    NamedCodec {
        name: "json",
        type_name: "Json",
        runtimes: &[Runtime::Tokio, Runtime::Wasm],
    },
    NamedCodec {
        name: "cdr",
        type_name: "Cdr",
        runtimes: &[Runtime::Tokio, Runtime::Embassy],
    },
];

impl NamedCodec {
    /// The codec a file names, if it is one of [`NAMED_CODECS`].
    pub fn by_name(name: &str) -> Option<&'static NamedCodec> {
        NAMED_CODECS.iter().find(|c| c.name == name)
    }

    /// The codec whose type `path` names (`aimdb::codec::Postcard`, `Postcard`), if any.
    pub fn by_type_path(path: &str) -> Option<&'static NamedCodec> {
        let last = path.rsplit("::").next()?;
        NAMED_CODECS.iter().find(|c| c.type_name == last)
    }
}

/// `.link_to(url).with_serializer_raw(f)`: publish every value of the record.
#[derive(Clone, Debug)]
pub struct LinkTo {
    /// Where values go.
    pub url: Url,
    /// The serializer.
    pub serializer: Codec,
    /// The named codec the serializer is, if one was chosen by name.
    pub named: Option<&'static NamedCodec>,
    /// `codec = "name"` on a file's link: the wire format's name as written, which both
    /// ends of a link must agree on.
    pub codec_name: Option<Name>,
    /// The `.link_to` token.
    pub span: Span,
}

/// `.link_from(url).with_deserializer_raw(f)`: the record is produced elsewhere and observed here.
#[derive(Clone, Debug)]
pub struct LinkFrom {
    /// Where values come from.
    pub url: Url,
    /// The deserializer.
    pub deserializer: Codec,
    /// The named codec the deserializer is, if one was chosen by name.
    pub named: Option<&'static NamedCodec>,
    /// `codec = "name"` on a file's link: the wire format's name as written.
    pub codec_name: Option<Name>,
    /// `external = true` on a file's link: the writer is outside the file.
    pub external: bool,
    /// The `.link_from` token.
    pub span: Span,
    /// Position in the record's chain, to order producers.
    pub seq: usize,
}
