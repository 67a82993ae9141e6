//! Typed findings: what a check found, where, and the places related to it, before any
//! wording. A front end renders each finding in its own words ([`Words`]): the builder
//! chain's for `topology!{}` tokens (`.source(read)`), the TOML fields for a topology file
//! (`source = "read"`). [`Ctxt`] collects them, in the manner of serde_derive's `Ctxt`.

mod node;
mod render;
mod render_flow;
mod render_links;
mod render_node;

use std::cell::RefCell;

use crate::diagnostic::{Diagnostic, Span};
use crate::model::{Name, Url};
pub use crate::model::{Role, Words};
pub use node::{NodeFinding, UrlProblem};

/// A producer of a record on a node.
#[derive(Clone, Debug)]
pub struct Place {
    /// The node (or the node's instance, `sensor[zone-a]`).
    pub node: String,
    /// What produces the record there.
    pub role: Role,
    /// Where.
    pub span: Span,
}

/// One end of a link on a node, with what the messages about links name.
#[derive(Clone, Debug)]
pub struct LinkPlace {
    /// The node (or the node's instance, `sensor[zone-a]`).
    pub node: String,
    /// The record's name in the file (`reading`).
    pub record: String,
    /// The record's value type as written.
    pub value_type: String,
    /// The URL as written.
    pub url: Url,
    /// The address as its connector sees it (`Url::identity`).
    pub identity: String,
    /// The link's table (`{ url = .. }`) or method.
    pub span: Span,
}

/// How two ends of a link disagree on their codec.
#[derive(Clone, Debug)]
pub enum CodecClash {
    /// Both name one, different ones.
    Names(String, String),
    /// One end (the first, a writer when `.2`) names one; the other none.
    OneNamed(String, bool),
    /// Neither names one; the functions come from different codecs.
    Functions(String, String),
}

/// What a check found, before it is worded.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Finding {
    /// A record of a node is read there but produced by nothing on that node.
    Unproduced {
        /// The record's key as the model holds it.
        key: String,
        /// Its first reader on the node.
        reader: Role,
        /// Where the reader is.
        span: Span,
        /// A produced record of its type with a close key.
        close: Option<String>,
        /// The help from what the whole system knows (another node owns the key), which
        /// replaces the local one.
        owner_help: Option<String>,
    },
    /// A rule of one node (its records, links, transforms) does not hold.
    Node(NodeFinding),
    /// Two nodes produce one key.
    TwoOwners {
        /// The key.
        key: String,
        /// The first producer, in file order.
        first: Place,
        /// The second, on another node.
        second: Place,
    },
    /// Two nodes write one address.
    TwoWriters {
        /// The first writer.
        first: LinkPlace,
        /// The second, on another node.
        second: LinkPlace,
    },
    /// A read address no node writes.
    NoWriter {
        /// The reader.
        reader: LinkPlace,
        /// A written address close to it, carrying its type.
        close: Option<LinkPlace>,
    },
    /// An `external` read address a node of the file writes.
    ExternalButWritten {
        /// The writer.
        writer: LinkPlace,
        /// The reader.
        reader: LinkPlace,
    },
    /// The ends of a link carry different record types.
    TypeMismatch {
        /// The writer.
        writer: LinkPlace,
        /// The reader.
        reader: LinkPlace,
    },
    /// The ends of a link disagree on the codec.
    CodecMismatch {
        /// The writer.
        writer: LinkPlace,
        /// The reader.
        reader: LinkPlace,
        /// How.
        clash: CodecClash,
    },
    /// The ends' options contradict each other (the scheme's `conflict`).
    OptionsConflict {
        /// The writer.
        writer: LinkPlace,
        /// The reader.
        reader: LinkPlace,
        /// The option.
        option: &'static str,
        /// Why they cannot both hold.
        reason: String,
    },
    /// A browser node's `ws://` end meets a node that is not a host (tokio) node.
    WsNotHost {
        /// The browser's end.
        own: LinkPlace,
        /// The other end.
        other: LinkPlace,
    },
    /// A browser node's `ws://` ends meet two host nodes.
    WsTwoHosts {
        /// The browser's end.
        own: LinkPlace,
        /// The first host's end.
        first: LinkPlace,
        /// The second host's end.
        other: LinkPlace,
    },
    /// A node's runtime cannot run on its target.
    RuntimeTarget {
        /// The node.
        node: String,
        /// Its runtime's name.
        runtime: &'static str,
        /// `target = ".."`.
        target: Name,
        /// Where the runtime is chosen.
        runtime_span: Span,
    },
}

/// What a check reported: a finding to word at the end, or a message already worded.
enum Entry {
    Found(Box<Finding>),
    Worded(Diagnostic),
}

/// The error collector: checks report into it, the pipeline takes every diagnostic at the
/// end with [`Ctxt::check`]. Typed findings stay typed until then, so a pass that knows
/// more ([`Ctxt::refine`]) can improve them; they are worded in the collector's words.
pub struct Ctxt {
    words: Words,
    errors: RefCell<Option<Vec<Entry>>>,
}

impl Ctxt {
    /// A collector wording findings in `words`.
    pub fn new(words: Words) -> Self {
        Ctxt {
            words,
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    fn add(&self, entry: Entry) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("Ctxt used after check")
            .push(entry);
    }

    /// Report a finding, worded at the end for this collector's front end.
    pub fn report(&self, finding: impl Into<Finding>) {
        self.add(Entry::Found(Box::new(finding.into())));
    }

    /// An error already worded, at `span`.
    pub fn error_spanned_by(&self, span: impl Into<Span>, message: impl Into<String>) {
        self.push(Diagnostic::error(span, message));
    }

    /// An error already worded, with its help and notes.
    pub fn push(&self, diagnostic: Diagnostic) {
        self.add(Entry::Worded(diagnostic));
    }

    /// How many errors were reported so far.
    pub fn len(&self) -> usize {
        self.errors.borrow().as_ref().map_or(0, Vec::len)
    }

    /// Whether no error was reported so far.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Errors already worded, in order.
    pub fn extend(&self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        diagnostics.into_iter().for_each(|d| self.push(d));
    }

    /// Improve every typed finding reported so far with what a later pass knows.
    pub fn refine(&self, refine: impl Fn(&mut Finding)) {
        if let Some(entries) = self.errors.borrow_mut().as_mut() {
            for entry in entries.iter_mut() {
                if let Entry::Found(finding) = entry {
                    refine(finding);
                }
            }
        }
    }

    /// Every error reported, worded, in report order; consumes the collector.
    pub fn check(self) -> Result<(), Vec<Diagnostic>> {
        let entries = self.errors.borrow_mut().take().unwrap_or_default();
        let errors: Vec<Diagnostic> = entries
            .into_iter()
            .map(|entry| match entry {
                Entry::Found(finding) => render::render(&finding, self.words),
                Entry::Worded(diagnostic) => diagnostic,
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Every error reported, as a list (empty when all rules hold); consumes the collector.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.check().err().unwrap_or_default()
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("forgot to check for errors");
        }
    }
}
