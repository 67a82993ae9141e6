//! A front-end-neutral compile error: span, message, `help:` and notes.
//!
//! The macro renders a [`Diagnostic`] as a `compile_error!` on the user's token
//! ([`Diagnostic::to_syn_error`]); a command-line front end renders the same value as
//! rustc-style text with `file:line:col` and the quoted line ([`Diagnostic::render`]).

use std::fmt::Write as _;

/// Where a model element came from.
///
/// Token spans come from the macro's input (or from `syn::parse_str`, which also tracks
/// lines and columns); text spans are byte ranges into a topology file a front end read.
#[derive(Clone, Copy, Debug)]
pub enum Span {
    /// A span of the tokens the macro was given.
    Tokens(proc_macro2::Span),
    /// A byte range `start..end` in the source text a front end read.
    Text {
        /// First byte.
        start: usize,
        /// One past the last byte.
        end: usize,
    },
}

impl Span {
    /// The span to attach a token-based error to. Text spans have no token: the call site.
    pub fn token(self) -> proc_macro2::Span {
        match self {
            Span::Tokens(span) => span,
            Span::Text { .. } => proc_macro2::Span::call_site(),
        }
    }

    /// 1-based line and column of the span's start, when the span knows them.
    ///
    /// `source` is the text a [`Span::Text`] indexes; token spans ignore it.
    pub fn line_column(self, source: Option<&str>) -> Option<(usize, usize)> {
        match self {
            Span::Tokens(span) => {
                let start = span.start();
                // proc-macro2 reports line 0 when the compiler gives no location.
                (start.line > 0).then_some((start.line, start.column + 1))
            }
            Span::Text { start, .. } => {
                let text = source?.get(..start)?;
                let line = text.matches('\n').count() + 1;
                let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                Some((line, column))
            }
        }
    }

    /// Length in characters of a span on one line (for the `^^^` underline), at least 1.
    fn width(self, source: Option<&str>) -> usize {
        match self {
            Span::Tokens(span) => {
                let (start, end) = (span.start(), span.end());
                if start.line == end.line && end.column > start.column {
                    end.column - start.column
                } else {
                    1
                }
            }
            Span::Text { start, end } => source.and_then(|s| s.get(start..end)).map_or(1, |t| {
                t.lines().next().map_or(1, |l| l.chars().count().max(1))
            }),
        }
    }

    /// Where the span starts, for ordering spans of one source: (line, column) of a token,
    /// (0, byte offset) of a text span.
    pub fn position(self) -> (usize, usize) {
        match self {
            Span::Tokens(span) => {
                let start = span.start();
                (start.line, start.column)
            }
            Span::Text { start, .. } => (0, start),
        }
    }

    /// "line L, column C" when known, for messages that name another place.
    pub fn describe(self) -> Option<String> {
        self.line_column(None)
            .map(|(line, column)| format!("line {line}, column {column}"))
    }
}

impl From<proc_macro2::Span> for Span {
    fn from(span: proc_macro2::Span) -> Self {
        Span::Tokens(span)
    }
}

/// A secondary message, optionally at its own place.
#[derive(Clone, Debug)]
pub struct Note {
    /// Where the note points, if anywhere.
    pub span: Option<Span>,
    /// What it says.
    pub message: String,
}

/// One error found in a topology.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// The offending token.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// Related places and facts (e.g. where the first producer is).
    pub notes: Vec<Note>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: impl Into<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            span: span.into(),
            message: message.into(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// Add the `help:` line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Add a note at another place.
    pub fn note_at(mut self, span: impl Into<Span>, message: impl Into<String>) -> Self {
        self.notes.push(Note {
            span: Some(span.into()),
            message: message.into(),
        });
        self
    }

    /// Add a note with no place of its own.
    pub fn note(mut self, message: impl Into<String>) -> Self {
        self.notes.push(Note {
            span: None,
            message: message.into(),
        });
        self
    }

    /// The main error's text as the macro prints it: message, then `= note:`/`= help:` lines.
    /// A note at another place says where (stable Rust gives a proc macro no secondary
    /// spans, and a second `compile_error!` would read as a second error).
    pub fn text(&self) -> String {
        let mut text = self.message.clone();
        for note in &self.notes {
            let place = note
                .span
                .and_then(Span::describe)
                .filter(|place| !self.message.contains(place.as_str()))
                .map(|place| format!(" (at {place})"))
                .unwrap_or_default();
            let _ = write!(text, "\n  = note: {}{place}", note.message);
        }
        if let Some(help) = &self.help {
            let _ = write!(text, "\n  = help: {help}");
        }
        text
    }

    /// The diagnostic as one `compile_error!` on its span, notes and help in its text.
    pub fn to_syn_error(&self) -> syn::Error {
        syn::Error::new(self.span.token(), self.text())
    }

    /// Render like rustc: `error: ...`, ` --> file:line:col`, the quoted line with a caret
    /// underline, then placed notes, spanless notes and help. `source` is the text the spans
    /// point into (needed for text spans and for quoting lines).
    pub fn render(&self, file: &str, source: &str) -> String {
        let mut out = format!("error: {}\n", self.message);
        quote_place(&mut out, file, source, self.span);
        for note in &self.notes {
            match note.span {
                Some(span) => {
                    let _ = writeln!(out, "note: {}", note.message);
                    quote_place(&mut out, file, source, span);
                }
                None => {
                    let _ = writeln!(out, "  = note: {}", note.message);
                }
            }
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        out
    }
}

/// ` --> file:L:C`, then `L | text` and the underline.
fn quote_place(out: &mut String, file: &str, source: &str, span: Span) {
    let Some((line, column)) = span.line_column(Some(source)) else {
        let _ = writeln!(out, " --> {file}");
        return;
    };
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad}--> {file}:{line}:{column}");
    if let Some(text) = source.lines().nth(line - 1) {
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{line} | {text}");
        let underline = "^".repeat(span.width(Some(source)));
        let _ = writeln!(out, "{pad} | {}{underline}", " ".repeat(column - 1));
    }
}

/// Combine diagnostics into one `syn::Error` (all reported in one compile).
pub fn to_syn_error(diagnostics: &[Diagnostic]) -> Option<syn::Error> {
    diagnostics
        .iter()
        .map(Diagnostic::to_syn_error)
        .reduce(|mut all, next| {
            all.combine(next);
            all
        })
}
