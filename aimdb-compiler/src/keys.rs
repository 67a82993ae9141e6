//! The one key grammar (`aimdb_core::key::check_key`) worded for every front end: a string
//! key in `topology!{}` and `key =` in a topology file get the same message.

use crate::diagnostic::{Diagnostic, Span};

/// A key that breaks the key grammar, with the key it could have been.
pub(crate) fn key_error(text: &str, problem: aimdb_core::key::KeyError, span: Span) -> Diagnostic {
    let fixed: String = text
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            segment
                .chars()
                .map(|ch| {
                    if aimdb_core::key::is_key_char(ch) {
                        ch
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/");
    let help = if fixed.is_empty() {
        "name the record, e.g. \"climate/zone-a/reading\"".to_owned()
    } else {
        format!("write \"{fixed}\"")
    };
    Diagnostic::error(
        span,
        format!("invalid record key \"{}\": {problem}", text.escape_debug()),
    )
    .help(help)
}
