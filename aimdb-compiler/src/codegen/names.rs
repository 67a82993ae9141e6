//! Names of generated items: a record's buffer static is its key's last segment in
//! SCREAMING_CASE (`ClimateKey::Reading` → `READING`); on a collision, the whole key.

use std::collections::HashMap;

use proc_macro2::Ident;
use quote::format_ident;

use crate::model::Record;

/// One static name per record, unique within the node.
pub(crate) fn statics(records: &[Record]) -> Vec<Ident> {
    let short: Vec<String> = records
        .iter()
        .map(|r| screaming(last_segment(&r.key.id)))
        .collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for name in &short {
        *counts.entry(name.as_str()).or_default() += 1;
    }
    let mut taken: HashMap<String, usize> = HashMap::new();
    records
        .iter()
        .zip(&short)
        .map(|(record, name)| {
            let mut name = if counts[name.as_str()] > 1 {
                screaming(&record.key.id)
            } else {
                name.clone()
            };
            let n = taken.entry(name.clone()).or_default();
            *n += 1;
            if *n > 1 {
                name = format!("{name}_{n}");
            }
            format_ident!("{}", name, span = record.key.span.token())
        })
        .collect()
}

/// The last `::` or `/` segment of a key id (`ClimateKey::Reading`, `"climate/zone-a/reading"`).
pub(super) fn last_segment(id: &str) -> &str {
    let id = id.trim_matches('"');
    let after_path = id.rsplit("::").next().unwrap_or(id);
    after_path
        .rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or(after_path)
}

/// `ZoneAReading` → `ZONE_A_READING`; anything not alphanumeric becomes `_`.
pub(super) fn screaming(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 && !out.ends_with('_') {
            let previous = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_uppercase());
    }
    let out = out.trim_matches('_').to_owned();
    match out.chars().next() {
        None => "RECORD".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("R_{out}"),
        Some(_) => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screaming_case() {
        assert_eq!(screaming("Reading"), "READING");
        assert_eq!(screaming("ZoneAReading"), "ZONE_A_READING");
        assert_eq!(screaming("HTTPServer"), "HTTP_SERVER");
        assert_eq!(screaming("ClimateKey::Reading"), "CLIMATE_KEY_READING");
        assert_eq!(screaming("zone-a/reading"), "ZONE_A_READING");
        assert_eq!(screaming("9lives"), "R_9LIVES");
        assert_eq!(last_segment("\"climate/zone-a/reading\""), "reading");
        assert_eq!(last_segment("a::b::Reading"), "Reading");
    }
}
