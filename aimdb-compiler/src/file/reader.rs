//! Typed, spanned reads of TOML tables: each table names its allowed fields, and an
//! unknown field or a value of the wrong kind is a diagnostic at its place in the file.

use std::cell::RefCell;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Diagnostic, Span};
use crate::finding::Ctxt;
use crate::model::Name;
use crate::suggest::did_you_mean;

/// A TOML value with its place.
pub(super) type Value<'i> = Spanned<DeValue<'i>>;

/// A byte range as a text span.
pub(super) fn span_of<T>(spanned: &Spanned<T>) -> Span {
    let range = spanned.span();
    Span::Text {
        start: range.start,
        end: range.end,
    }
}

/// A table being read: its fields, where it is, and how it reads in messages.
pub(super) struct Table<'a, 'i> {
    table: &'a DeTable<'i>,
    /// The span of the table's name (or of the table itself).
    pub span: Span,
    /// `node \`sensor\``, `record \`reading\` of node \`sensor\``...
    pub what: String,
    /// Known fields an unknown one was probably meant as (its did-you-mean): a missing one of
    /// these is that typo's consequence, reported with it rather than as a second mistake.
    meant: RefCell<Vec<String>>,
}

impl<'a, 'i> Table<'a, 'i> {
    /// Read `value` as a table, or report what it is instead.
    pub fn of(value: &'a Value<'i>, name_span: Span, what: String, cx: &Ctxt) -> Option<Self> {
        match value.get_ref() {
            DeValue::Table(table) => Some(Table {
                table,
                span: name_span,
                what,
                meant: RefCell::default(),
            }),
            other => {
                cx.push(
                    Diagnostic::error(
                        span_of(value),
                        format!("{what} must be a table, not {}", kind(other)),
                    )
                    .help("write it as a `[section]` or an inline table `{ field = value }`"),
                );
                None
            }
        }
    }

    /// The root table of a document.
    pub fn root(table: &'a DeTable<'i>) -> Self {
        Table {
            table,
            span: Span::Text { start: 0, end: 0 },
            what: "the topology file".to_owned(),
            meant: RefCell::default(),
        }
    }

    /// Report every field not in `allowed`, with a did-you-mean. A field it names that is
    /// missing is then taken as meant: its absence is not reported again ([`Self::meant`]).
    pub fn allow(&self, allowed: &[&str], cx: &Ctxt) {
        for (key, _) in self.table.iter() {
            let name = key.get_ref().as_ref();
            if allowed.contains(&name) {
                continue;
            }
            let list = allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let close = did_you_mean(name, allowed.iter().copied());
            let help = match close {
                Some(close) => format!("did you mean `{close}`? {} has: {list}", self.what),
                None => format!("{} has: {list}", self.what),
            };
            if let Some(close) = close.filter(|close| self.get(close).is_none()) {
                // The root cause: what follows from it ("no `buffer`") is not a second error.
                self.meant.borrow_mut().push(close.to_owned());
            }
            cx.push(
                Diagnostic::error(
                    span_of(key),
                    format!("unknown field `{name}` in {}", self.what),
                )
                .help(help),
            );
        }
    }

    /// The entries, in file order.
    pub fn entries(&self) -> impl Iterator<Item = (Name, &'a Value<'i>)> {
        self.table.iter().map(|(key, value)| {
            (
                Name {
                    text: key.get_ref().to_string(),
                    span: span_of(key),
                },
                value,
            )
        })
    }

    /// Whether `field` is missing because an unknown field was probably meant as it (a typo
    /// already reported, e.g. `bufer`): checks for the missing field stay quiet.
    pub fn meant(&self, field: &str) -> bool {
        self.meant.borrow().iter().any(|m| m == field)
    }

    /// A field's key and value, if present.
    pub fn get(&self, field: &str) -> Option<(Span, &'a Value<'i>)> {
        self.table
            .iter()
            .find(|(key, _)| key.get_ref().as_ref() == field)
            .map(|(key, value)| (span_of(key), value))
    }

    /// A string field, if present and a string (else reported).
    pub fn string(&self, field: &str, cx: &Ctxt) -> Option<Name> {
        let (_, value) = self.get(field)?;
        string(value, &format!("`{field}` of {}", self.what), cx)
    }

    /// A required string field: reported when missing.
    pub fn required_string(&self, field: &str, example: &str, cx: &Ctxt) -> Option<Name> {
        if self.get(field).is_none() {
            if self.meant(field) {
                return None;
            }
            cx.push(
                Diagnostic::error(self.span, format!("{} has no `{field}`", self.what))
                    .help(format!("add `{field} = {example}`")),
            );
            return None;
        }
        self.string(field, cx)
    }

    /// A boolean field, if present and a boolean (else reported).
    pub fn boolean(&self, field: &str, cx: &Ctxt) -> Option<bool> {
        let (_, value) = self.get(field)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                cx.push(
                    Diagnostic::error(
                        span_of(value),
                        format!(
                            "`{field}` of {} must be `true` or `false`, not {}",
                            self.what,
                            kind(other)
                        ),
                    )
                    .help(format!("write `{field} = true`")),
                );
                None
            }
        }
    }
}

/// A value that must be a string.
pub(super) fn string(value: &Value<'_>, what: &str, cx: &Ctxt) -> Option<Name> {
    match value.get_ref() {
        DeValue::String(text) => Some(Name {
            text: text.to_string(),
            span: span_of(value),
        }),
        other => {
            cx.push(
                Diagnostic::error(
                    span_of(value),
                    format!("{what} must be a string, not {}", kind(other)),
                )
                .help("quote it: `\"...\"`"),
            );
            None
        }
    }
}

/// A value that is one item or an array of items: `x = ".."` or `x = ["..", ".."]`.
pub(super) fn one_or_many<'a, 'i>(value: &'a Value<'i>) -> Vec<&'a Value<'i>> {
    match value.get_ref() {
        DeValue::Array(items) => items.iter().collect(),
        _ => vec![value],
    }
}

/// How a value's kind reads in a message.
pub(super) fn kind(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}
