//! The rules a key enum must follow, each broken rule reported on the literal that breaks it.
//!
//! A key is a relative path of segments separated by `/`: `climate/zone-a/reading`. It uses
//! only `[A-Za-z0-9/_.-]` (safe in MQTT topics, URLs and file names alike), has no empty
//! segment, and is unique within the enum after `#[key_prefix]` is applied.

use std::collections::HashMap;

use syn::LitStr;

use super::diagnostics::Diagnostics;
use super::parse::{KeyEnum, KeyVariant, kebab_case, key_span};

/// Whether `ch` may appear in a key: the one key grammar's rule (`aimdb_core::key`).
pub use aimdb_core::key::is_key_char;

const ALLOWED: &str = "a key uses only ASCII letters, digits, `/`, `_`, `.` and `-`";

/// Check every rule on `model`, reporting each broken one.
pub fn check(model: &KeyEnum, diags: &mut Diagnostics) {
    if let Some(prefix) = &model.prefix {
        check_prefix(prefix, diags);
    }
    for variant in &model.variants {
        if let Some(key) = &variant.key {
            check_key(model, variant, key, diags);
        }
    }
    check_duplicates(model, diags);
}

fn check_prefix(prefix: &LitStr, diags: &mut Diagnostics) {
    let text = prefix.value();
    if text.is_empty() {
        diags.error(
            prefix.span(),
            "empty key prefix",
            "remove `#[key_prefix = \"\"]`, or write the text every key starts with, for \
             example `#[key_prefix = \"climate/\"]`",
        );
        return;
    }
    check_characters(prefix, "key prefix", diags);
    if text.starts_with('/') {
        diags.error(
            prefix.span(),
            &format!("key prefix `{text}` starts with `/`"),
            &format!(
                "remove the leading `/`: keys are relative paths, write `{}`",
                normalized_prefix(&text)
            ),
        );
    }
    if text.contains("//") {
        diags.error(
            prefix.span(),
            &format!("key prefix `{text}` has an empty path segment (`//`)"),
            &format!("remove the extra `/`: write `{}`", normalized_prefix(&text)),
        );
    }
    // A trailing `/` is how a prefix usually ends (`climate/` + `reading`), so it is allowed.
}

fn check_key(model: &KeyEnum, variant: &KeyVariant, key: &LitStr, diags: &mut Diagnostics) {
    let name = &variant.ident;
    let text = key.value();
    if text.is_empty() {
        diags.error(
            key.span(),
            &format!("empty key on variant `{name}`"),
            &format!(
                "write the key, for example `#[key = \"{}\"]`",
                kebab_case(&name.to_string())
            ),
        );
        return;
    }
    check_characters(key, "key", diags);

    let prefix = model.prefix_text();
    let full = format!("{prefix}{text}");
    // Name the full key, and how it was put together when a prefix took part.
    let shown = if prefix.is_empty() {
        format!("key `{full}`")
    } else {
        format!("key `{full}` (prefix `{prefix}` + `{text}`)")
    };
    if prefix.is_empty() && text.starts_with('/') {
        diags.error(
            key.span(),
            &format!("{shown} starts with `/`"),
            &format!(
                "remove the leading `/`: keys are relative paths, write `{}`",
                normalized(&text)
            ),
        );
    }
    if text.ends_with('/') {
        diags.error(
            key.span(),
            &format!("{shown} ends with `/`"),
            &format!("remove the trailing `/`: write `{}`", normalized(&text)),
        );
    }
    if text.contains("//") {
        diags.error(
            key.span(),
            &format!("{shown} has an empty path segment (`//`)"),
            &format!("remove the extra `/`: write `{}`", normalized(&text)),
        );
    } else if prefix.ends_with('/') && text.starts_with('/') {
        diags.error(
            key.span(),
            &format!("{shown} has an empty path segment (`//`)"),
            &format!(
                "the prefix already ends with `/`, so drop the leading `/` here: write `{}`",
                normalized(&text)
            ),
        );
    }
}

/// Report the characters of `lit` that may not appear in a key, naming each.
fn check_characters(lit: &LitStr, what: &str, diags: &mut Diagnostics) {
    let text = lit.value();
    let mut bad: Vec<char> = Vec::new();
    for ch in text.chars().filter(|&ch| !is_key_char(ch)) {
        if !bad.contains(&ch) {
            bad.push(ch);
        }
    }
    if bad.is_empty() {
        return;
    }
    let listed: Vec<String> = bad.iter().map(|ch| format!("`{ch:?}`")).collect();
    let plural = if bad.len() == 1 { "" } else { "s" };
    let suggestion: String = text
        .chars()
        .map(|ch| if is_key_char(ch) { ch } else { '-' })
        .collect();
    diags.error(
        lit.span(),
        &format!(
            "invalid character{plural} {} in {what} `{}`",
            listed.join(", "),
            text.escape_debug()
        ),
        &format!("{ALLOWED}; for example `{suggestion}`"),
    );
}

/// `text` with every empty segment removed: `/a//b/` -> `a/b`. Each slash error's help
/// suggests this, so following one help never leads into the next slash error.
fn normalized(text: &str) -> String {
    text.split('/')
        .filter(|segment| !segment.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

/// Like [`normalized`], but keeps the trailing `/` a prefix usually ends with.
fn normalized_prefix(text: &str) -> String {
    let mut out = normalized(text);
    if text.ends_with('/') && !out.is_empty() {
        out.push('/');
    }
    out
}

/// Two variants whose full keys are equal would name the same record: report the second (and
/// any later one) on its literal, and point once at the first.
fn check_duplicates(model: &KeyEnum, diags: &mut Diagnostics) {
    let mut first_by_key: HashMap<String, usize> = HashMap::new();
    let mut noted: Vec<usize> = Vec::new();
    for (index, variant) in model.variants.iter().enumerate() {
        let Some(full) = model.full_key(variant) else {
            continue;
        };
        // An empty key is already an error of its own; comparing it adds only noise.
        if variant
            .key
            .as_ref()
            .is_some_and(|key| key.value().is_empty())
        {
            continue;
        }
        let Some(&first_index) = first_by_key.get(&full) else {
            first_by_key.insert(full, index);
            continue;
        };
        let first = &model.variants[first_index];
        let (first_name, name) = (&first.ident, &variant.ident);
        diags.error(
            key_span(variant),
            &format!("duplicate key `{full}`: variant `{first_name}` already has it"),
            &format!(
                "give `{name}` a key of its own; two variants with one key would name the \
                 same record"
            ),
        );
        if !noted.contains(&first_index) {
            noted.push(first_index);
            diags.note(
                key_span(first),
                &format!("key `{full}` is first used here, by variant `{first_name}`"),
            );
        }
    }
}
