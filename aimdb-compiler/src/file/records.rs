//! `[records.NAME]`: each record of the system once, with its key string and value type.

use std::collections::HashMap;

use super::reader::{Table, Value, one_or_many, string};
use super::rust;
use crate::diagnostic::{Diagnostic, Span};
use crate::finding::Ctxt;
use crate::model::RecordDecl;
use crate::model::{ContractPin, TypeRef};

const RECORD_FIELDS: [&str; 5] = ["key", "type", "accepts", "contract", "description"];

pub(super) fn parse(value: &Value<'_>, span: Span, cx: &Ctxt) -> Vec<RecordDecl> {
    let Some(records) = Table::of(value, span, "`records`".to_owned(), cx) else {
        return Vec::new();
    };
    let mut declared: Vec<RecordDecl> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (name, value) in records.entries() {
        let what = format!("record `{}`", name.text);
        let Some(table) = Table::of(value, name.span, what, cx) else {
            continue;
        };
        table.allow(&RECORD_FIELDS, cx);
        table.string("description", cx);
        let key = table.required_string("key", "\"climate/zone-a/reading\"", cx);
        let ty = table.required_string("type", "\"Temperature\"", cx);
        let (Some(key), Some(ty)) = (key, ty) else {
            continue;
        };
        // A record with a bad key or type is still declared (its error is reported), so the
        // nodes that use it are read and their own errors found in the same run.
        valid_key(&key.text, key.span, cx);
        let value_type = rust::value_type(&ty, cx).unwrap_or_else(|| TypeRef {
            ty: syn::parse_quote!(_),
            text: ty.text.clone(),
            span: ty.span,
        });
        if let Some(&first) = by_key.get(&key.text) {
            let first: &RecordDecl = &declared[first];
            cx.push(
                Diagnostic::error(
                    key.span,
                    format!(
                        "records `{}` and `{}` have the same key \"{}\"",
                        first.name.text, name.text, key.text
                    ),
                )
                .help("a key names one record: give each record a key of its own, or remove one of them")
                .note_at(first.key.span, format!("record `{}` has the key here", first.name.text)),
            );
        }
        by_key.entry(key.text.clone()).or_insert(declared.len());
        let accepts = accepts(&table, &name.text, cx);
        let contract = table
            .string("contract", cx)
            .and_then(|text| contract(&text, &name.text, cx));
        declared.push(RecordDecl {
            name,
            key,
            value_type,
            accepts,
            contract,
        });
    }
    declared
}

/// `accepts = ["TemperatureV2", "TemperatureV1"]`: older versions, newest first.
fn accepts(table: &Table<'_, '_>, record: &str, cx: &Ctxt) -> Vec<TypeRef> {
    let Some((_, value)) = table.get("accepts") else {
        return Vec::new();
    };
    let what = format!("an older version record `{record}` accepts");
    let mut older = Vec::new();
    for item in one_or_many(value) {
        if let Some(ty) = string(item, &what, cx).and_then(|name| rust::value_type(&name, cx)) {
            older.push(ty);
        }
    }
    older
}

/// `contract = "d2660728cb357589"`.
fn contract(text: &crate::model::Name, record: &str, cx: &Ctxt) -> Option<ContractPin> {
    let pin = ContractPin::parse(&text.text, text.span);
    if pin.is_none() {
        cx.push(
            Diagnostic::error(
                text.span,
                format!(
                    "`contract` of record `{record}` is not a fingerprint: \"{}\"",
                    text.text
                ),
            )
            .help(format!(
                "a fingerprint is {}: `contract = \"d2660728cb357589\"`",
                ContractPin::FORM
            )),
        );
    }
    pin
}

/// The one key grammar (`aimdb_core::key`), as for `#[derive(RecordKey)]` and `topology!{}`.
/// A key may carry `{instance}` / `{index}` (a family): checked with an instance's name.
fn valid_key(key: &str, span: Span, cx: &Ctxt) -> bool {
    if let Err(unknown) = crate::model::template::placeholders(key) {
        cx.push(
            Diagnostic::error(
                span,
                format!("unknown placeholder `{unknown}` in the key \"{key}\""),
            )
            .help(
                "a key may carry `{instance}` (the instance's name) and `{index}` (its position)",
            ),
        );
        return false;
    }
    match aimdb_core::key::check_key(&crate::model::template::substitute(key, "x", 0)) {
        Ok(()) => true,
        Err(problem) => {
            cx.push(crate::keys::key_error(key, problem, span));
            false
        }
    }
}
