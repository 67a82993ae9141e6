//! `dds://TOPIC?domain=D&partition=P&strength=S&type=T`: a DDS topic (tokio nodes).
//!
//! - **Topic**: the DDS topic name. Cyclone DDS and the DDS spec take letters, digits and
//!   `_`, with `/` for ROS 2-style names (`rt/chatter`); the grammar also refuses a digit
//!   first. At most [`TOPIC_MAX`] bytes.
//! - **`domain`**: the DDS domain id, `0` to [`DOMAIN_MAX`] (RTPS's port mapping stops at
//!   232); default `0`.
//! - **`partition`**: one DDS partition (same characters as a topic; wildcards `*`/`?` are
//!   refused: a writer names one partition); default: the default partition. The tokio
//!   connector announces it as the endpoint's PARTITION QoS (the vendored rustdds's patch),
//!   and DDS matches a reader only with writers in its partition.
//! - **`strength`**: the EXCLUSIVE ownership strength of the writer, `0` to `2^31-1`, on a
//!   `link_to` only (a reader has no strength). Every `dds://` topic is EXCLUSIVE: the
//!   record's one owner is the one writer, and its strength is fixed here.
//! - **`type`**: the DDS type name (`aimdb::Reading`, `test::Sample`): letters, digits, `_`
//!   and `::`; default: the topic name with `/` turned into `::` (see the connector).
//!
//! The **identity** is the topic name alone. Domain and partition do make another place on
//! the wire, but one address is one `&str` slice of the URL here, and a topology that
//! writes one topic name into two domains is more likely a mistake than a plan: two
//! `link_to`s to one topic are two writers even in different domains (refused), and a
//! writer and reader of one topic that disagree on domain, partition or type never meet, so
//! that is a [`Conflict`].
//!
//! ```
//! use aimdb_core::address::{self, Direction};
//!
//! let dds = address::scheme("dds").unwrap();
//! let parsed = (dds.parse)("rt/chatter?domain=3&strength=10", Direction::Outbound).unwrap();
//! assert_eq!(parsed.identity, "rt/chatter");
//! assert!((dds.parse)("rt/chatter?domain=233", Direction::Outbound).is_err());
//! assert!((dds.parse)("rt/chatter?strength=1", Direction::Inbound).is_err());
//! ```

use super::options::{self, once};
use super::{AddressError, AddressErrorKind, Conflict, Direction, Parsed};

/// The largest DDS domain id RTPS's well-known port mapping can carry.
pub const DOMAIN_MAX: u16 = 232;

/// The longest topic, partition or type name taken (Cyclone's and RTPS's usual limit).
pub const TOPIC_MAX: usize = 256;

/// One DDS link address, parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DdsAddress<'a> {
    /// The topic name: the address before `?`.
    pub topic: &'a str,
    /// `domain=`, if given.
    pub domain: Option<u16>,
    /// `partition=`, if given.
    pub partition: Option<&'a str>,
    /// `strength=` (outbound only), if given.
    pub strength: Option<i32>,
    /// `type=`, if given.
    pub type_name: Option<&'a str>,
}

impl<'a> DdsAddress<'a> {
    /// Parse and check an address for a link in `direction`.
    pub fn parse(address: &'a str, direction: Direction) -> Result<Self, AddressError<'a>> {
        let (topic, query) = options::split(address);
        name(topic)?;
        let mut parsed = DdsAddress {
            topic,
            domain: None,
            partition: None,
            strength: None,
            type_name: None,
        };
        for (key, value) in options::query(query) {
            match key {
                "domain" => {
                    let domain = value
                        .parse::<u16>()
                        .ok()
                        .filter(|d| *d <= DOMAIN_MAX && !value.starts_with('+'))
                        .ok_or(bad("domain", "a domain id from 0 to 232", value))?;
                    once(&mut parsed.domain, key, domain)?;
                }
                "partition" => {
                    name(value).map_err(|_| bad("partition", PARTITION, value))?;
                    once(&mut parsed.partition, key, value)?;
                }
                "strength" if direction == Direction::Inbound => {
                    return Err(AddressError::new(
                        AddressErrorKind::WriterOnly {
                            option: "strength",
                            why: STRENGTH_INBOUND,
                        },
                        value,
                    ));
                }
                "strength" => {
                    let strength = value
                        .parse::<i32>()
                        .ok()
                        .filter(|s| *s >= 0 && !value.starts_with('+'))
                        .ok_or(bad("strength", "a number from 0 to 2147483647", value))?;
                    once(&mut parsed.strength, key, strength)?;
                }
                "type" => {
                    type_name(value).map_err(|_| bad("type", TYPE, value))?;
                    once(&mut parsed.type_name, key, value)?;
                }
                _ => return Err(AddressError::new(AddressErrorKind::UnknownOption, key)),
            }
        }
        Ok(parsed)
    }

    /// The domain id (`0` when not given).
    pub fn domain_id(&self) -> u16 {
        self.domain.unwrap_or(0)
    }

    /// The ownership strength of the writer (`0` when not given).
    pub fn ownership_strength(&self) -> i32 {
        self.strength.unwrap_or(0)
    }
}

const PARTITION: &str =
    "one partition name: letters, digits, `_` and `/`, not starting with a digit (no wildcards)";
const STRENGTH_INBOUND: &str = "only the writer, the record's owner, has an ownership strength";
const TYPE: &str = "a type name: letters, digits and `_` in parts joined by `::`";

fn bad<'a>(option: &'static str, expected: &'static str, value: &'a str) -> AddressError<'a> {
    AddressError::new(AddressErrorKind::BadValue { option, expected }, value)
}

/// A topic or partition name: `[A-Za-z_/][A-Za-z0-9_/]*`, at most [`TOPIC_MAX`] bytes.
fn name(text: &str) -> Result<(), AddressError<'_>> {
    options::printable(text)?;
    if text.len() > TOPIC_MAX {
        return Err(AddressError::new(AddressErrorKind::TooLong, text));
    }
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'/';
    let first_ok = !text.as_bytes()[0].is_ascii_digit();
    if !first_ok || !text.bytes().all(allowed) {
        return Err(AddressError::new(AddressErrorKind::BadCharacter, text));
    }
    Ok(())
}

/// A type name: identifiers joined by `::` (`aimdb::Reading`).
fn type_name(text: &str) -> Result<(), ()> {
    let ident = |part: &str| {
        part.bytes().next().is_some_and(|b| !b.is_ascii_digit())
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    if text.len() <= TOPIC_MAX && text.split("::").all(ident) {
        Ok(())
    } else {
        Err(())
    }
}

/// The scheme table's grammar entry.
pub(crate) fn parse(address: &str, direction: Direction) -> Result<Parsed<'_>, AddressError<'_>> {
    DdsAddress::parse(address, direction).map(|a| Parsed { identity: a.topic })
}

/// A writer and a reader of one topic that would never meet: another domain, another
/// partition, or another type name.
pub(crate) fn conflict(writer: &str, reader: &str) -> Option<Conflict> {
    let w = DdsAddress::parse(writer, Direction::Outbound).ok()?;
    let r = DdsAddress::parse(reader, Direction::Inbound).ok()?;
    if w.domain_id() != r.domain_id() {
        return Some(Conflict {
            option: "domain",
            reason: "a DDS reader only meets writers of its own domain, so it would never receive this writer's values",
        });
    }
    if w.partition != r.partition {
        return Some(Conflict {
            option: "partition",
            reason: "a DDS reader only matches writers in a partition it names, so it would never receive this writer's values",
        });
    }
    if w.type_name != r.type_name {
        return Some(Conflict {
            option: "type",
            reason: "DDS matches a reader to a writer only when their type names agree",
        });
    }
    None
}
