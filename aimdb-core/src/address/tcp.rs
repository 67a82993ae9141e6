//! `tcp://HOST:PORT/LINK`: framed links over one TCP stream.
//!
//! `HOST:PORT` is the **endpoint**, the stream: one node listens on it and the other dials
//! it (which one is decided where the connector is started, not in the URL, since one
//! stream carries links both ways). `LINK` names the link within the stream (its frames'
//! link id is a hash of it), so several links share one connection. The identity is the
//! whole address: two links are one place when endpoint and link are the same.
//!
//! `HOST` is an IPv4 address, a lower-case host name, or an IPv6 address in brackets
//! (`[::1]`); `PORT` a decimal number from 1 to 65535 without leading zeros. There are no
//! options. Endpoints are compared as written, so a system spells each one one way
//! (`127.0.0.1` and `localhost` are two identities to the compiler).
//!
//! ```
//! use aimdb_core::address::{self, Direction, tcp::TcpAddress};
//!
//! let tcp = address::scheme("tcp").unwrap();
//! let at = "127.0.0.1:7000/climate/reading";
//! assert_eq!((tcp.parse)(at, Direction::Outbound).unwrap().identity, at);
//! let parsed = TcpAddress::parse(at).unwrap();
//! assert_eq!((parsed.endpoint, parsed.port, parsed.link), ("127.0.0.1:7000", 7000, "climate/reading"));
//! assert!(TcpAddress::parse("127.0.0.1/climate").is_err());
//! ```

use super::options;
use super::{AddressError, AddressErrorKind, Direction, Parsed};

/// The form of a `tcp://` address, for error messages.
const FORM: &str = "`HOST:PORT/LINK`, as in `127.0.0.1:7000/climate/reading`";

/// One `tcp://` link address, parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpAddress<'a> {
    /// `HOST:PORT`, as written: what a peer dials and a listener binds.
    pub endpoint: &'a str,
    /// The host, IPv6 brackets removed.
    pub host: &'a str,
    /// The port.
    pub port: u16,
    /// The link's name within the stream: everything after the first `/`.
    pub link: &'a str,
}

impl<'a> TcpAddress<'a> {
    /// Parse a link address (the URL without `tcp://`); the error names the part that is
    /// wrong.
    pub fn parse(address: &'a str) -> Result<Self, AddressError<'a>> {
        let path = options::none(address)?;
        options::printable(path)?;
        let form = || AddressError::new(AddressErrorKind::Form { expected: FORM }, path);
        let (endpoint, link) = path.split_once('/').ok_or_else(form)?;
        if link.is_empty() {
            return Err(form());
        }
        let (host, port) = match endpoint.strip_prefix('[') {
            Some(v6) => {
                let (host, port) = v6.split_once("]:").ok_or_else(form)?;
                if host.is_empty() || !host.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
                    return Err(bad("host", "an IPv6 address in brackets", host));
                }
                (host, port)
            }
            None => {
                let (host, port) = endpoint.rsplit_once(':').ok_or_else(form)?;
                let name =
                    |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-';
                if host.is_empty() || !host.bytes().all(name) {
                    return Err(bad(
                        "host",
                        "an IPv4 address, a lower-case host name or a bracketed IPv6 address",
                        host,
                    ));
                }
                (host, port)
            }
        };
        Ok(TcpAddress {
            endpoint,
            host,
            port: self::port(port)?,
            link,
        })
    }
}

/// A port: 1 to 65535, decimal, no sign, no leading zero (one port, one spelling).
fn port(text: &str) -> Result<u16, AddressError<'_>> {
    let canonical =
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0');
    text.parse::<u16>()
        .ok()
        .filter(|_| canonical)
        .ok_or_else(|| {
            bad(
                "port",
                "a decimal number from 1 to 65535, without leading zeros",
                text,
            )
        })
}

fn bad<'a>(option: &'static str, expected: &'static str, part: &'a str) -> AddressError<'a> {
    AddressError::new(AddressErrorKind::BadValue { option, expected }, part)
}

/// The scheme table's grammar entry.
pub(crate) fn parse(address: &str, _: Direction) -> Result<Parsed<'_>, AddressError<'_>> {
    TcpAddress::parse(address).map(|_| Parsed { identity: address })
}

/// The scheme table's endpoint entry: `HOST:PORT`.
pub(crate) fn endpoint(address: &str) -> Option<&str> {
    TcpAddress::parse(address).ok().map(|a| a.endpoint)
}
