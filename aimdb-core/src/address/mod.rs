//! Link addresses: one grammar per URL scheme, shared by the compiler and the connectors.
//!
//! A link URL is `scheme://address`. The connector sees the address (the URL without its
//! scheme); the compiler sees the whole URL. Both parse the address with the same function
//! from [`SCHEMES`], so whatever a connector would refuse when a link is attached is a
//! compile error first, and both agree on what *one address* is.
//!
//! An address has an **identity** and **options**. The identity is what the transport
//! sees as one place (an MQTT topic, a WebSocket path, a serial link address); options
//! change how one end uses it (`?qos=1`, `?retain=true`, `?latest=false`). Ownership is a
//! property of the identity: `mqtt://a/b` and `mqtt://a/b?qos=0` are one topic on the
//! broker, so they are one address with one writer.
//!
//! ```
//! use aimdb_core::address::{self, Direction};
//!
//! let scheme = address::scheme("mqtt").unwrap();
//! let parsed = (scheme.parse)("climate/zone-a/reading?qos=0", Direction::Outbound).unwrap();
//! assert_eq!(parsed.identity, "climate/zone-a/reading");
//! assert!((scheme.parse)("climate/+/reading", Direction::Outbound).is_err());
//! ```

use core::fmt;

pub mod dds;
pub mod knx;
pub mod mqtt;
mod options;
pub mod tcp;
pub mod uds;
pub mod ws;

pub use options::{Query, query};

/// Which way a link carries values, as far as the address grammar cares: an outbound
/// address names one place to write; an inbound one may be a filter where the scheme
/// allows it (MQTT wildcards).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// `link_to`: values leave the node.
    Outbound,
    /// `link_from`: values arrive.
    Inbound,
}

/// An address the grammar accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parsed<'a> {
    /// What the transport sees as one place: the address without its options.
    pub identity: &'a str,
}

/// One row of the scheme table.
#[derive(Clone, Copy)]
pub struct Scheme {
    /// The URL scheme, without `://`.
    pub name: &'static str,
    /// The runtimes a connector exists for, by the names topology headers use.
    pub runtimes: &'static [&'static str],
    /// The `?` options its addresses take.
    pub options: &'static [&'static str],
    /// The address grammar: validate an address and return its identity.
    pub parse: for<'a> fn(&'a str, Direction) -> Result<Parsed<'a>, AddressError<'a>>,
    /// What one runtime's connector refuses beyond the grammar (a shorter topic limit, no
    /// filters), given an address `parse` accepted and the runtime's name.
    pub limits: for<'a> fn(&'a str, Direction, &str) -> Result<(), AddressError<'a>>,
    /// Options at the two ends of one address that cannot both hold, given the writer's
    /// and a reader's address (both already accepted by `parse`); `None` when they agree.
    pub conflict: fn(writer: &str, reader: &str) -> Option<Conflict>,
    /// Why a named codec cannot be used on this transport, when it cannot: its payloads are
    /// a fixed format every peer on it reads (a KNX datapoint), with no room for the
    /// contract header (`crate::contract`). `None`: named codecs and their header fit.
    pub fixed_format: Option<&'static str>,
    /// The stream an address is on, for schemes whose connector carries one stream
    /// (`tcp`: `HOST:PORT`, `uds`: the socket path): a node's links of the scheme must all
    /// name one. `None`: any addresses go together.
    pub endpoint: Option<for<'a> fn(&'a str) -> Option<&'a str>>,
}

impl fmt::Debug for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scheme")
            .field("name", &self.name)
            .field("runtimes", &self.runtimes)
            .finish_non_exhaustive()
    }
}

/// The schemes a connector exists for.
pub const SCHEMES: [Scheme; 8] = [
    Scheme {
        name: "mqtt",
        // wasm: the embassy connector over MQTT-over-WebSocket (`mqtt_wasm`).
        runtimes: &["tokio", "embassy", "wasm"],
        options: &["qos", "retain"],
        parse: mqtt::parse,
        limits: mqtt::limits,
        conflict: mqtt::conflict,
        fixed_format: None,
        endpoint: None,
    },
    Scheme {
        name: "serial",
        runtimes: &["tokio", "embassy"],
        options: &[],
        parse: plain,
        limits: no_limits,
        conflict: no_conflict,
        fixed_format: None,
        endpoint: None,
    },
    Scheme {
        name: "loopback",
        runtimes: &["tokio", "embassy"],
        options: &[],
        parse: plain,
        limits: no_limits,
        conflict: no_conflict,
        fixed_format: None,
        endpoint: None,
    },
    Scheme {
        name: "ws",
        // tokio: the host's server (JSON to its page at `/ws`, binary frames to node peers
        // at `/link/PATH`); wasm: a browser node's client of a host's server (`ws_wasm`).
        runtimes: &["tokio", "wasm"],
        options: &["latest"],
        parse: ws::parse,
        limits: no_limits,
        conflict: no_conflict,
        fixed_format: None,
        endpoint: None,
    },
    Scheme {
        name: "knx",
        runtimes: &["tokio", "embassy"],
        options: &[],
        parse: knx::parse,
        limits: no_limits,
        conflict: no_conflict,
        fixed_format: Some(
            "a KNX group telegram carries a datapoint type (DPT) that every device on the bus reads, with no room for a contract header",
        ),
        endpoint: None,
    },
    Scheme {
        name: "tcp",
        runtimes: &["tokio", "embassy"],
        options: &[],
        parse: tcp::parse,
        limits: no_limits,
        conflict: no_conflict,
        fixed_format: None,
        endpoint: Some(tcp::endpoint),
    },
    Scheme {
        name: "uds",
        runtimes: &["tokio"],
        options: &[],
        parse: uds::parse,
        limits: no_limits,
        conflict: no_conflict,
        fixed_format: None,
        endpoint: Some(uds::endpoint),
    },
    Scheme {
        name: "dds",
        runtimes: &["tokio"],
        options: &["domain", "partition", "strength", "type"],
        parse: dds::parse,
        limits: no_limits,
        conflict: dds::conflict,
        fixed_format: None,
        endpoint: None,
    },
];

/// The table row for `name`.
pub fn scheme(name: &str) -> Option<&'static Scheme> {
    SCHEMES.iter().find(|s| s.name == name)
}

/// Two ends of one address whose options contradict each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The option.
    pub option: &'static str,
    /// Why the two values cannot both hold, in a sentence.
    pub reason: &'static str,
}

/// Why an address was refused: what is wrong, and the part of the address it is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AddressError<'a> {
    /// What is wrong.
    pub kind: AddressErrorKind,
    /// The part of the address it is about (a level, an option, a value); may be empty.
    pub part: &'a str,
}

/// The kinds of [`AddressError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddressErrorKind {
    /// Nothing before `?`.
    Empty,
    /// A character the transport does not allow (NUL, a control character).
    BadCharacter,
    /// An MQTT wildcard (`+`, `#`) where one place must be named: in a `link_to`.
    WildcardOutbound,
    /// An MQTT filter whose wildcards are not whole levels, or `#` not last.
    BadFilter,
    /// Longer than the transport allows.
    TooLong,
    /// A place the transport reserves for aimdb itself (MQTT: `aimdb/nodes/…`, the nodes'
    /// liveness topics).
    Reserved,
    /// An option this scheme does not have.
    UnknownOption,
    /// An option given twice.
    RepeatedOption,
    /// An option value out of range; the message names the range.
    BadValue {
        /// The option.
        option: &'static str,
        /// The values it takes, as text (`0, 1 or 2`).
        expected: &'static str,
    },
    /// This scheme's addresses take no options.
    NoOptions,
    /// The address is not of the scheme's form (`HOST:PORT/LINK`); the text shows it.
    Form {
        /// The form, with an example.
        expected: &'static str,
    },
    /// An option only the writer's end (`link_to`) takes, given on a `link_from`.
    WriterOnly {
        /// The option.
        option: &'static str,
        /// Why only the writer takes it, in a clause.
        why: &'static str,
    },
    /// The connector of this runtime does not take it; the text says what it takes.
    NotOnRuntime {
        /// What the runtime's connector takes instead, in a sentence.
        takes: &'static str,
    },
}

impl AddressError<'_> {
    pub(crate) fn new(kind: AddressErrorKind, part: &str) -> AddressError<'_> {
        AddressError { kind, part }
    }
}

impl fmt::Display for AddressError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let part = self.part;
        match self.kind {
            AddressErrorKind::Empty => f.write_str("the address is empty"),
            AddressErrorKind::BadCharacter => {
                write!(
                    f,
                    "`{}` holds a control or NUL character",
                    part.escape_debug()
                )
            }
            AddressErrorKind::WildcardOutbound => write!(
                f,
                "`{part}` is a topic filter; a link_to publishes to one topic, so `+` and `#` are allowed only in a link_from"
            ),
            AddressErrorKind::BadFilter => write!(
                f,
                "`{part}` is not a valid topic filter: `+` and `#` must be whole levels, and `#` the last one"
            ),
            AddressErrorKind::TooLong => write!(
                f,
                "the address is longer than the transport allows ({} bytes)",
                part.len()
            ),
            AddressErrorKind::Reserved => write!(
                f,
                "`{part}` is under `aimdb/nodes/`, where each node publishes its own liveness (`aimdb/nodes/NODE/online`)"
            ),
            AddressErrorKind::UnknownOption => write!(f, "unknown option `{part}`"),
            AddressErrorKind::RepeatedOption => write!(f, "option `{part}` is given twice"),
            AddressErrorKind::BadValue { option, expected } => {
                write!(f, "`{option}={part}`: `{option}` takes {expected}")
            }
            AddressErrorKind::NotOnRuntime { takes } => write!(f, "`{part}`: {takes}"),
            AddressErrorKind::Form { expected } => {
                write!(f, "`{part}` is not of the form {expected}")
            }
            AddressErrorKind::NoOptions => {
                write!(f, "this scheme's addresses take no options (`?{part}`)")
            }
            AddressErrorKind::WriterOnly { option, why } => {
                write!(f, "`{option}={part}` on a link_from: {why}")
            }
        }
    }
}

impl core::error::Error for AddressError<'_> {}

/// An address that is its own identity and takes no options (`serial://`, `loopback://`).
fn plain(address: &str, _: Direction) -> Result<Parsed<'_>, AddressError<'_>> {
    let path = options::none(address)?;
    options::printable(path)?;
    Ok(Parsed { identity: path })
}

fn no_limits<'a>(_: &'a str, _: Direction, _: &str) -> Result<(), AddressError<'a>> {
    Ok(())
}

fn no_conflict(_: &str, _: &str) -> Option<Conflict> {
    None
}

#[cfg(test)]
mod tests;
