//! `knx://MAIN/MIDDLE/SUB`: a KNX group address in its three-level form.
//!
//! The identity is the address itself (`1/2/3`): one group address is one place on the bus,
//! so it has one writer in a system. The grammar takes exactly the canonical three-level
//! form (main 0 to 31, middle 0 to 7, sub 0 to 255, decimal, no leading zeros) and no
//! options, so that two spellings of one group address cannot be two identities: the
//! two-level (`1/234`) and free (`4660`) forms name the same 16-bit addresses and are
//! refused with the three-level spelling as the fix (`1/234` is `1/0/234`, `4660` is
//! `2/2/52`; [`GroupAddress`] converts).
//!
//! ```
//! use aimdb_core::address::{self, Direction, knx::GroupAddress};
//!
//! let knx = address::scheme("knx").unwrap();
//! assert_eq!((knx.parse)("1/2/3", Direction::Outbound).unwrap().identity, "1/2/3");
//! assert!((knx.parse)("32/0/0", Direction::Outbound).is_err());
//! assert_eq!(GroupAddress::parse("1/2/3").unwrap().raw(), 0x0A03);
//! ```

use core::fmt;

use super::options;
use super::{AddressError, AddressErrorKind, Direction, Parsed};

/// The largest main group.
pub const MAIN_MAX: u8 = 31;
/// The largest middle group.
pub const MIDDLE_MAX: u8 = 7;

/// A KNX group address: 5 bits main group, 3 bits middle group, 8 bits sub group, as the
/// 16-bit value on the bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupAddress(u16);

impl GroupAddress {
    /// The group address `main/middle/sub`, or `None` if a level is out of range.
    pub const fn new(main: u8, middle: u8, sub: u8) -> Option<Self> {
        if main > MAIN_MAX || middle > MIDDLE_MAX {
            return None;
        }
        Some(GroupAddress(
            ((main as u16) << 11) | ((middle as u16) << 8) | sub as u16,
        ))
    }

    /// The group address with this 16-bit value (every value is one).
    pub const fn from_raw(raw: u16) -> Self {
        GroupAddress(raw)
    }

    /// The 16-bit value on the bus.
    pub const fn raw(self) -> u16 {
        self.0
    }

    /// The main group (0 to 31).
    pub const fn main(self) -> u8 {
        (self.0 >> 11) as u8
    }

    /// The middle group (0 to 7).
    pub const fn middle(self) -> u8 {
        ((self.0 >> 8) & 0x07) as u8
    }

    /// The sub group (0 to 255).
    pub const fn sub(self) -> u8 {
        self.0 as u8
    }

    /// Parse a link address (the URL without `knx://`): the three-level form only, with no
    /// options. The error names the level that is wrong.
    pub fn parse(address: &str) -> Result<Self, AddressError<'_>> {
        let path = options::none(address)?;
        if path.is_empty() {
            return Err(AddressError::new(AddressErrorKind::Empty, path));
        }
        let mut levels = path.split('/');
        let (Some(main), Some(middle), Some(sub), None) =
            (levels.next(), levels.next(), levels.next(), levels.next())
        else {
            return Err(AddressError::new(
                AddressErrorKind::BadValue {
                    option: "group address",
                    expected: "three levels, main/middle/sub (the 2-level `1/234` is written `1/0/234`, the free `4660` is `2/2/52`)",
                },
                path,
            ));
        };
        let main = level(main, "main group", "0 to 31 (5 bits)", MAIN_MAX)?;
        let middle = level(middle, "middle group", "0 to 7 (3 bits)", MIDDLE_MAX)?;
        let sub = level(sub, "sub group", "0 to 255 (8 bits)", u8::MAX)?;
        // In range by the checks above.
        Ok(GroupAddress(
            ((main as u16) << 11) | ((middle as u16) << 8) | sub as u16,
        ))
    }
}

impl fmt::Display for GroupAddress {
    /// The three-level form, `main/middle/sub`: the address's identity.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.main(), self.middle(), self.sub())
    }
}

/// One level: decimal digits, no sign, no leading zero, at most `max`.
fn level<'a>(
    text: &'a str,
    option: &'static str,
    expected: &'static str,
    max: u8,
) -> Result<u8, AddressError<'a>> {
    let bad = || {
        AddressError::new(
            AddressErrorKind::BadValue {
                option,
                expected: if text.len() > 1 && text.starts_with('0') {
                    "a decimal number without leading zeros"
                } else {
                    expected
                },
            },
            text,
        )
    };
    let canonical = !text.is_empty()
        && text.len() <= 3
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text.len() == 1 || !text.starts_with('0'));
    if !canonical {
        return Err(bad());
    }
    let value: u16 = text.parse().map_err(|_| bad())?;
    u8::try_from(value)
        .ok()
        .filter(|v| *v <= max)
        .ok_or_else(bad)
}

/// The scheme table's grammar entry: the same in both directions (KNX has no filters).
pub(crate) fn parse(address: &str, _: Direction) -> Result<Parsed<'_>, AddressError<'_>> {
    GroupAddress::parse(address).map(|_| Parsed { identity: address })
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::*;

    fn kind(address: &str) -> Option<AddressErrorKind> {
        parse(address, Direction::Inbound).err().map(|e| e.kind)
    }

    #[test]
    fn three_levels_in_range_are_their_own_identity() {
        for (text, raw) in [
            ("0/0/0", 0x0000),
            ("1/2/3", 0x0A03),
            ("31/7/255", 0xFFFF),
            ("2/2/52", 4660),
        ] {
            let parsed = parse(text, Direction::Outbound).unwrap();
            assert_eq!(parsed.identity, text);
            let group = GroupAddress::parse(text).unwrap();
            assert_eq!(group.raw(), raw);
            assert_eq!(group.to_string(), text);
            assert_eq!(GroupAddress::from_raw(raw), group);
        }
    }

    #[test]
    fn every_raw_value_prints_as_an_address_the_grammar_takes() {
        // Under miri (which interprets every step) a sparser sweep: this code has no unsafe.
        let step = if cfg!(miri) { 1021 } else { 7 };
        for raw in (0..=u16::MAX).step_by(step).chain([u16::MAX]) {
            let text = GroupAddress::from_raw(raw).to_string();
            assert_eq!(GroupAddress::parse(&text).unwrap().raw(), raw, "{text}");
        }
    }

    #[test]
    fn out_of_range_levels_name_the_level() {
        let error = GroupAddress::parse("32/0/0").unwrap_err();
        assert_eq!(error.part, "32");
        assert_eq!(
            error.to_string(),
            "`main group=32`: `main group` takes 0 to 31 (5 bits)"
        );
        assert!(matches!(
            kind("0/8/0"),
            Some(AddressErrorKind::BadValue {
                option: "middle group",
                ..
            })
        ));
        assert!(matches!(
            kind("0/0/256"),
            Some(AddressErrorKind::BadValue {
                option: "sub group",
                ..
            })
        ));
        assert!(matches!(
            kind("0/0/1000"),
            Some(AddressErrorKind::BadValue {
                option: "sub group",
                ..
            })
        ));
    }

    #[test]
    fn other_spellings_are_refused_so_one_address_has_one_identity() {
        for text in [
            "1/234", "4660", "1/2/3/4", "01/2/3", "1/2/003", "+1/2/3", "1//3", "a/b/c", " 1/2/3",
        ] {
            assert!(
                matches!(kind(text), Some(AddressErrorKind::BadValue { .. })),
                "{text}"
            );
        }
        assert_eq!(kind(""), Some(AddressErrorKind::Empty));
        assert_eq!(kind("1/2/3?dpt=9"), Some(AddressErrorKind::NoOptions));
        let leading = GroupAddress::parse("1/02/3").unwrap_err();
        assert!(leading.to_string().contains("without leading zeros"));
    }

    #[test]
    fn new_checks_the_ranges() {
        assert_eq!(GroupAddress::new(1, 2, 3), Some(GroupAddress(0x0A03)));
        assert_eq!(GroupAddress::new(32, 0, 0), None);
        assert_eq!(GroupAddress::new(0, 8, 0), None);
        let g = GroupAddress::new(31, 7, 255).unwrap();
        assert_eq!((g.main(), g.middle(), g.sub()), (31, 7, 255));
    }
}
