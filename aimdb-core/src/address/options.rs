//! The `?key=value&key=value` part every scheme's options share.

use super::{AddressError, AddressErrorKind};

/// `path?query` → (`path`, `Some(query)`); no `?` → (`address`, `None`).
pub(crate) fn split(address: &str) -> (&str, Option<&str>) {
    match address.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (address, None),
    }
}

/// The address of a scheme that takes no options: all of it, or the error naming the
/// `?query` it should not have.
pub(crate) fn none(address: &str) -> Result<&str, AddressError<'_>> {
    match split(address) {
        (path, None) => Ok(path),
        (_, Some(query)) => Err(AddressError::new(AddressErrorKind::NoOptions, query)),
    }
}

/// A non-empty path without control characters.
pub(crate) fn printable(path: &str) -> Result<(), AddressError<'_>> {
    if path.is_empty() {
        return Err(AddressError::new(AddressErrorKind::Empty, path));
    }
    if path.chars().any(char::is_control) {
        return Err(AddressError::new(AddressErrorKind::BadCharacter, path));
    }
    Ok(())
}

/// The `key=value` pairs of a query, in order (an empty pair, as in `a&&b`, is skipped).
pub fn query(query: Option<&str>) -> Query<'_> {
    Query {
        rest: query.unwrap_or(""),
    }
}

/// Iterator over a query's `(key, value)` pairs; a pair without `=` has an empty value.
#[derive(Clone, Debug)]
pub struct Query<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Query<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let (pair, rest) = self.rest.split_once('&').unwrap_or((self.rest, ""));
            self.rest = rest;
            if !pair.is_empty() {
                return Some(pair.split_once('=').unwrap_or((pair, "")));
            }
        }
    }
}

/// Set `slot` once: a second value for the same key is an error naming the key.
pub(crate) fn once<'a, T>(
    slot: &mut Option<T>,
    key: &'a str,
    value: T,
) -> Result<(), AddressError<'a>> {
    if slot.is_some() {
        return Err(AddressError::new(AddressErrorKind::RepeatedOption, key));
    }
    *slot = Some(value);
    Ok(())
}

/// `true` / `false`, or the error naming the option.
pub(crate) fn boolean<'a>(option: &'static str, value: &'a str) -> Result<bool, AddressError<'a>> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(AddressError::new(
            AddressErrorKind::BadValue {
                option,
                expected: "`true` or `false`",
            },
            value,
        )),
    }
}
