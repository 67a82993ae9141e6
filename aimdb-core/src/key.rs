//! Record keys, and the one grammar every key follows.
//!
//! A key is a relative path of segments separated by `/` (`climate/zone-a/reading`), using
//! only ASCII letters, digits, `/`, `_`, `.` and `-` (safe in MQTT topics, URLs and file
//! names alike), with no empty segment: not empty, no leading or trailing `/`, no `//`.
//! `#[derive(RecordKey)]`, a string key in `topology!{}` and `key =` in a topology file
//! are all checked with [`check_key`].

use core::fmt;

/// Whether `ch` may appear in a key.
pub const fn is_key_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || matches!(ch, '/' | '_' | '.' | '-')
}

/// Why a text is not a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is empty.
    Empty,
    /// It holds a character outside `[A-Za-z0-9/_.-]` (the first one found).
    Character(char),
    /// It starts with `/` (keys are relative paths).
    LeadingSlash,
    /// It ends with `/`.
    TrailingSlash,
    /// It has an empty segment (`//`).
    EmptySegment,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Empty => f.write_str("a key cannot be empty"),
            KeyError::Character(ch) => write!(
                f,
                "`{}` cannot appear in a key (a key uses only ASCII letters, digits, `/`, `_`, `.` and `-`)",
                ch.escape_debug()
            ),
            KeyError::LeadingSlash => {
                f.write_str("a key cannot start with `/` (keys are relative paths)")
            }
            KeyError::TrailingSlash => f.write_str("a key cannot end with `/`"),
            KeyError::EmptySegment => f.write_str("a key cannot have an empty segment (`//`)"),
        }
    }
}

impl core::error::Error for KeyError {}

/// Check `text` against the key grammar.
pub fn check_key(text: &str) -> Result<(), KeyError> {
    if text.is_empty() {
        return Err(KeyError::Empty);
    }
    if let Some(ch) = text.chars().find(|&ch| !is_key_char(ch)) {
        return Err(KeyError::Character(ch));
    }
    if text.starts_with('/') {
        return Err(KeyError::LeadingSlash);
    }
    if text.ends_with('/') {
        return Err(KeyError::TrailingSlash);
    }
    if text.contains("//") {
        return Err(KeyError::EmptySegment);
    }
    Ok(())
}

/// The identity of a record.
///
/// A key is a `&'static str` underneath (`"climate/zone-a/reading"`), plus an optional
/// default link address. Implement it with `#[derive(RecordKey)]` on an enum of unit
/// variants, or use a `&'static str` directly.
pub trait RecordKey: Sync {
    /// The key string. Two records with the same key string are the same record.
    fn as_str(&self) -> &'static str;

    /// A default link address for this key (`#[link_address = "..."]`), if any.
    fn link_address(&self) -> Option<&'static str> {
        None
    }
}

impl RecordKey for &'static str {
    fn as_str(&self) -> &'static str {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::{KeyError, RecordKey, check_key};

    #[test]
    fn one_grammar_for_every_key() {
        assert_eq!(check_key("climate/zone-a/reading"), Ok(()));
        assert_eq!(
            check_key("plant/tank 2/level"),
            Err(KeyError::Character(' '))
        );
        assert_eq!(check_key(""), Err(KeyError::Empty));
        assert_eq!(check_key("/a"), Err(KeyError::LeadingSlash));
        assert_eq!(check_key("a/"), Err(KeyError::TrailingSlash));
        assert_eq!(check_key("a//b"), Err(KeyError::EmptySegment));
    }

    #[test]
    fn str_keys_are_their_own_string() {
        let key: &'static str = "climate/zone-a/reading";
        assert_eq!(RecordKey::as_str(&key), "climate/zone-a/reading");
        assert_eq!(key.link_address(), None);
    }
}
