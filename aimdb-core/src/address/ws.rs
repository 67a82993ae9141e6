//! `ws://PATH?latest=true|false`: the path is the `key` of the link's messages on the
//! socket; `latest` (outbound) says whether a new client is sent the last value first.

use super::options::{self, boolean, once};
use super::{AddressError, AddressErrorKind, Direction, Parsed};

/// One WebSocket link address, parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WsAddress<'a> {
    /// The path on the socket: the address before `?`.
    pub path: &'a str,
    /// `latest=true|false`, if given.
    pub latest: Option<bool>,
}

impl<'a> WsAddress<'a> {
    /// Parse a link address: a non-empty printable path and at most one `latest`.
    pub fn parse(address: &'a str) -> Result<Self, AddressError<'a>> {
        let (path, query) = options::split(address);
        options::printable(path)?;
        let mut latest = None;
        for (key, value) in options::query(query) {
            match key {
                "latest" => once(&mut latest, key, boolean("latest", value)?)?,
                _ => return Err(AddressError::new(AddressErrorKind::UnknownOption, key)),
            }
        }
        Ok(WsAddress { path, latest })
    }
}

/// The scheme table's grammar entry.
pub(crate) fn parse(address: &str, _: Direction) -> Result<Parsed<'_>, AddressError<'_>> {
    WsAddress::parse(address).map(|a| Parsed { identity: a.path })
}
