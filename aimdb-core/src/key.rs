//! Record keys.

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
    use super::RecordKey;

    #[test]
    fn str_keys_are_their_own_string() {
        let key: &'static str = "climate/zone-a/reading";
        assert_eq!(RecordKey::as_str(&key), "climate/zone-a/reading");
        assert_eq!(key.link_address(), None);
    }
}
