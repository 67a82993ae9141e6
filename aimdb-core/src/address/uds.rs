//! `uds://SOCKET#LINK`: framed links over one Unix domain stream socket (tokio).
//!
//! `SOCKET` is the socket file's path (absolute, or relative to the node's working
//! directory), the **endpoint**: one node listens on it and the other connects, as for
//! `tcp://`. `LINK`, after `#`, names the link within the stream (its frames' link id is a
//! hash of it). `#` separates them because a path may hold any other character a link
//! name might: `uds:///run/aimdb/plant.sock#climate/reading`. The identity is the whole
//! address; there are no options.
//!
//! ```
//! use aimdb_core::address::{self, Direction, uds::UdsAddress};
//!
//! let uds = address::scheme("uds").unwrap();
//! let at = "/run/aimdb/plant.sock#climate/reading";
//! assert_eq!((uds.parse)(at, Direction::Inbound).unwrap().identity, at);
//! let parsed = UdsAddress::parse(at).unwrap();
//! assert_eq!((parsed.socket, parsed.link), ("/run/aimdb/plant.sock", "climate/reading"));
//! assert!(UdsAddress::parse("/run/aimdb/plant.sock").is_err());
//! ```

use super::options;
use super::{AddressError, AddressErrorKind, Direction, Parsed};

/// The longest socket path, in bytes: Linux's `sun_path` holds 108 bytes with the NUL.
pub const SOCKET_PATH_MAX: usize = 107;

/// One `uds://` link address, parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdsAddress<'a> {
    /// The socket file's path: what a listener binds and a peer connects to.
    pub socket: &'a str,
    /// The link's name within the stream: everything after the `#`.
    pub link: &'a str,
}

impl<'a> UdsAddress<'a> {
    /// Parse a link address (the URL without `uds://`).
    pub fn parse(address: &'a str) -> Result<Self, AddressError<'a>> {
        let path = options::none(address)?;
        options::printable(path)?;
        let form = AddressError::new(
            AddressErrorKind::Form {
                expected: "`SOCKET#LINK`, as in `/run/aimdb/plant.sock#climate/reading`",
            },
            path,
        );
        let (socket, link) = path.split_once('#').ok_or(form)?;
        if socket.is_empty() || link.is_empty() {
            return Err(form);
        }
        if socket.len() > SOCKET_PATH_MAX {
            return Err(AddressError::new(AddressErrorKind::TooLong, socket));
        }
        Ok(UdsAddress { socket, link })
    }
}

/// The scheme table's grammar entry.
pub(crate) fn parse(address: &str, _: Direction) -> Result<Parsed<'_>, AddressError<'_>> {
    UdsAddress::parse(address).map(|_| Parsed { identity: address })
}

/// The scheme table's endpoint entry: the socket path.
pub(crate) fn endpoint(address: &str) -> Option<&str> {
    UdsAddress::parse(address).ok().map(|a| a.socket)
}
