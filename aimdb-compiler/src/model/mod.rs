//! The front-end-neutral model of one node's topology.
//!
//! A front end (the `topology!{}` token grammar in [`crate::syntax`], later a topology file)
//! fills it; [`crate::check`] validates it; [`crate::codegen`] emits it. Every element keeps
//! the [`Span`] of what the user wrote, so each finding points at the user's own token.
//! Rust items (types, key paths, user functions) stay as `syn` trees: the compiler cannot
//! resolve them, it hands them to rustc with their spans.

use crate::diagnostic::Span;

mod link;
pub mod liveness;
mod role;
pub mod system;
pub mod template;
mod transform;

pub use link::{Codec, LinkFrom, LinkTo, NAMED_CODECS, NamedCodec, Url};
pub use role::{ProducerKind, ProducerRef, Role, Words};
pub use system::{Direction, LinkEnd, NodeDecl, RecordDecl, System};
pub use transform::{Handler, HandlerKind, Input, Transform, TransformKind};

/// One node: a unit that runs on one runtime and owns its records.
#[derive(Clone, Debug)]
pub struct Topology {
    /// The `node NAME: RUNTIME;` header.
    pub node: Node,
    /// The records, in declaration order.
    pub records: Vec<Record>,
}

/// The node header.
#[derive(Clone, Debug)]
pub struct Node {
    /// The node's name; the generated module is named after it.
    pub name: Name,
    /// The runtime the node runs on.
    pub runtime: Runtime,
    /// Where the runtime was written.
    pub runtime_span: Span,
    /// The static RAM the node's record buffers may take, if declared (`ram = "64K"`).
    pub ram: Option<RamBudget>,
    /// The nodes whose `mqtt://` addresses this node reads, so whose liveness it follows
    /// (known from a topology file's whole system; empty for `topology!{}`).
    pub observes: Vec<String>,
    /// The node's instances (`instances = [..]` or `count = N` in a file): one image, the
    /// instance chosen at start-up. Empty for a node without instances.
    pub instances: Vec<String>,
}

/// A node's static RAM budget for its record buffers.
#[derive(Clone, Copy, Debug)]
pub struct RamBudget {
    /// Bytes.
    pub bytes: usize,
    /// Where it was written (for a budget from `memory.x`: the node's runtime).
    pub span: Span,
    /// Whether the node declared it or it is the target's RAM.
    pub from: BudgetSource,
}

/// Where a node's RAM budget comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BudgetSource {
    /// `ram = "64K"`, in the header or the file.
    Declared,
    /// No budget declared: the `LENGTH` of `RAM` in the crate's `memory.x` (an embassy node).
    MemoryX,
}

impl RamBudget {
    /// The largest ring capacity any node may declare: a static of more values makes rustc
    /// evaluate a huge constant (and run out of memory) before any check of ours could say why.
    pub const MAX_CAPACITY: usize = 1 << 24;

    /// Parse `65536`, `64K` / `64KiB` (×1024) or `1M` / `1MiB` (×1024²).
    pub fn parse(text: &str) -> Option<usize> {
        let text = text.trim();
        let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '_') {
            Some(at) => text.split_at(at),
            None => (text, ""),
        };
        let value: usize = digits.replace('_', "").parse().ok()?;
        let factor = match unit.trim() {
            "" | "B" => 1,
            "K" | "KiB" | "k" => 1024,
            "M" | "MiB" => 1024 * 1024,
            _ => return None,
        };
        value.checked_mul(factor)
    }
}

/// A name as written, with its place.
#[derive(Clone, Debug)]
pub struct Name {
    /// The text.
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

/// The executors a node can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// A host node on tokio: `pub async fn run(links)`.
    Tokio,
    /// A firmware (or host) node on the embassy executor: `pub fn spawn(spawner, links)`.
    Embassy,
    /// A browser node (`wasm32-unknown-unknown`, wasm-bindgen) on embassy-executor's
    /// `platform-wasm` executor, which polls tasks from JavaScript promise callbacks: the
    /// same `pub fn spawn(spawner, links)` and static task pools as an embassy node.
    Wasm,
}

impl Runtime {
    /// Every runtime, for did-you-mean and help texts.
    pub const ALL: [(&'static str, Runtime); 3] = [
        ("tokio", Runtime::Tokio),
        ("embassy", Runtime::Embassy),
        ("wasm", Runtime::Wasm),
    ];

    /// The runtime's name as written in a header.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Tokio => "tokio",
            Runtime::Embassy => "embassy",
            Runtime::Wasm => "wasm",
        }
    }
}

/// The one target a wasm node is built for (wasm-bindgen's).
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// A record key, identified by its tokens as written (`ClimateKey::Reading`, or a string
/// literal): the macro cannot see the strings a `#[derive(RecordKey)]` assigns.
#[derive(Clone, Debug)]
pub struct Key {
    /// Identity within the node: the path's segments joined with `::`, or the literal quoted.
    pub id: String,
    /// The expression, emitted as `&KEY` where a `&'static dyn RecordKey` is needed.
    pub expr: syn::Expr,
    /// Where it was written.
    pub span: Span,
}

/// A contract fingerprint written in a topology: the value type's shape as the file's
/// author built it, so a type that changes shape fails the build instead of the wire.
#[derive(Clone, Copy, Debug)]
pub struct ContractPin {
    /// The fingerprint as `aimdb` prints it (`Fingerprint::as_u64`).
    pub fingerprint: u64,
    /// Where it was written.
    pub span: Span,
}

impl ContractPin {
    /// How a pin is written, for both front ends' help: 16 hex digits, as a node prints it.
    pub const FORM: &'static str =
        "16 hex digits, as a node prints it at start-up and `NODE::RECORD_FINGERPRINT` holds it";

    /// `"d2660728cb357589"` → the pin; `None` unless exactly 16 hex digits.
    pub fn parse(text: &str, span: Span) -> Option<ContractPin> {
        let fingerprint = aimdb_core::contract::Fingerprint::parse(text)?.as_u64();
        Some(ContractPin { fingerprint, span })
    }
}

/// A Rust type as written.
#[derive(Clone, Debug)]
pub struct TypeRef {
    /// The type.
    pub ty: syn::Type,
    /// Its tokens as text, without spaces (`Temperature`), for identity and messages.
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

/// A user function as written: a path or a closure.
#[derive(Clone, Debug)]
pub struct Function {
    /// The expression.
    pub expr: syn::Expr,
    /// Its text for messages and claims (`read_temperature_loop`, `|..| ..` for closures).
    pub text: String,
    /// Where it was written.
    pub span: Span,
}

/// One `builder.configure::<T>(KEY, |reg| ...)`.
#[derive(Clone, Debug)]
pub struct Record {
    /// The key.
    pub key: Key,
    /// The value type `T`.
    pub value_type: TypeRef,
    /// The `configure` token.
    pub span: Span,
    /// Every `.buffer(..)` given (one is right; the checker reports none or several).
    pub buffers: Vec<Buffer>,
    /// `.source(f)` calls.
    pub sources: Vec<Source>,
    /// `.source_handle()` calls: code outside the node's tasks produces the record.
    pub source_handles: Vec<SourceHandle>,
    /// `.tap(f)` calls.
    pub taps: Vec<Tap>,
    /// `.link_to(url)` calls.
    pub links_to: Vec<LinkTo>,
    /// `.link_from(url)` calls.
    pub links_from: Vec<LinkFrom>,
    /// `.transform(..)` / `.transform_join(..)` calls.
    pub transforms: Vec<Transform>,
    /// The older versions of the value type its named-codec readers accept, newest first,
    /// each convertible into the one before it (`.accepts::<V>()`, `accepts = [..]`).
    pub accepts: Vec<TypeRef>,
    /// The contract fingerprint the topology pins for the value type (`contract = ".."`),
    /// checked against the type's own when the node is built.
    pub contract: Option<ContractPin>,
    /// The record's name in a topology file (`reading`, its `[records.NAME]`); `None` in
    /// `topology!{}`, where the key names it.
    pub name: Option<Name>,
    /// The builder chain's ends (`topology!{}`); `None` for a record read from a file,
    /// which has no chain to finish.
    pub chain: Option<ChainEnds>,
    /// False when the chain had a call the parser could not understand; checks that depend
    /// on knowing every call (no producer, missing finish) then stay quiet to avoid noise.
    pub complete: bool,
    /// True when the front end already reported this record's buffer (a file's missing or
    /// misspelled `buffer` field, in its own words): the node check does not repeat it.
    pub buffer_reported: bool,
    /// A record family at an observer (a key with `{instance}` on a node without
    /// instances): the instances of its producer, one buffer each. Empty otherwise.
    pub family: Vec<String>,
    /// The node producing a family (its instances are `NODE-INSTANCE` as nodes: their
    /// liveness, client ids and ACL users). Empty when `family` is.
    pub family_node: String,
}

/// Where a record's builder chain ends.
#[derive(Clone, Copy, Debug)]
pub struct ChainEnds {
    /// The `.finish()` call, if present.
    pub finish: Option<Span>,
    /// The last call of the chain, where a missing `.finish()` is reported.
    pub end: Span,
}

/// A buffer declaration.
#[derive(Clone, Debug)]
pub struct Buffer {
    /// Which kind, with its configuration.
    pub kind: BufferKind,
    /// The `.buffer` token.
    pub span: Span,
}

/// The buffer kinds of `BufferCfg`.
#[derive(Clone, Debug)]
pub enum BufferKind {
    /// `BufferCfg::SpmcRing { capacity: N }`.
    SpmcRing {
        /// `N`, as written (0 is reported by the checker).
        capacity: usize,
        /// Where `N` was written.
        capacity_span: Span,
    },
    /// `BufferCfg::SingleLatest`.
    SingleLatest,
    /// `BufferCfg::Mailbox`.
    Mailbox,
}

impl BufferKind {
    /// The variant names, for did-you-mean.
    pub const NAMES: [&'static str; 3] = ["SpmcRing", "SingleLatest", "Mailbox"];
}

/// `.source(f)`: the record's local producer.
#[derive(Clone, Debug)]
pub struct Source {
    /// The source function.
    pub function: Function,
    /// The `.source` token.
    pub span: Span,
    /// Position in the record's chain, to order producers.
    pub seq: usize,
}

/// `.source_handle()`: the record's producer is code outside the node's tasks (a `main`
/// loop, an interrupt handler, a test), which takes the record's one `Producer` at run time.
#[derive(Clone, Debug)]
pub struct SourceHandle {
    /// The `.source_handle` token (a file: the `source_handle` field).
    pub span: Span,
    /// Position in the record's chain, to order producers.
    pub seq: usize,
}

/// `.tap(f)`: a local reader.
#[derive(Clone, Debug)]
pub struct Tap {
    /// The tap function.
    pub function: Function,
    /// The `.tap` token.
    pub span: Span,
}

impl Record {
    /// The record's producers in chain order.
    pub fn producers(&self) -> Vec<ProducerRef> {
        let sources = self.sources.iter().map(|s| ProducerRef {
            kind: ProducerKind::Source,
            label: format!(".source({})", s.function.text),
            span: s.span,
            seq: s.seq,
        });
        let links = self.links_from.iter().map(|l| ProducerRef {
            kind: ProducerKind::LinkFrom,
            label: format!(".link_from(\"{}\")", l.url.text),
            span: l.span,
            seq: l.seq,
        });
        let transforms = self.transforms.iter().map(|t| ProducerRef {
            kind: ProducerKind::Transform,
            label: format!(".{}(..)", t.kind.method()),
            span: t.span,
            seq: t.seq,
        });
        let handles = self.source_handles.iter().map(|h| ProducerRef {
            kind: ProducerKind::SourceHandle,
            label: ".source_handle()".to_owned(),
            span: h.span,
            seq: h.seq,
        });
        let mut all: Vec<_> = sources
            .chain(handles)
            .chain(links)
            .chain(transforms)
            .collect();
        all.sort_by_key(|p| p.seq);
        all
    }

    /// The record's own readers (taps and outbound links). Transform inputs are readers
    /// too, but they are declared on the record they produce: see [`Topology::reader_count`].
    pub fn own_reader_count(&self) -> usize {
        self.taps.len() + self.links_to.len()
    }

    /// The first own reader, described, for "read but not produced".
    pub fn first_reader(&self) -> Option<(Role, Span)> {
        let tap = self
            .taps
            .first()
            .map(|t| (Role::Tap(t.function.text.clone()), t.span));
        let link = self
            .links_to
            .first()
            .map(|l| (Role::LinkTo(l.url.text.clone()), l.span));
        tap.into_iter().chain(link).next()
    }
}

impl Topology {
    /// Every transform input in the node that reads `key`, with the record it produces.
    pub fn inputs_reading<'a>(
        &'a self,
        key: &'a str,
    ) -> impl Iterator<Item = (&'a Record, &'a Input)> + 'a {
        self.records.iter().flat_map(move |record| {
            record
                .transforms
                .iter()
                .flat_map(|t| t.inputs.iter())
                .filter(move |input| input.key.id == key)
                .map(move |input| (record, input))
        })
    }

    /// How many reader slots `record`'s buffer needs: one per tap, outbound link and
    /// transform input reading it, at least one (so no reader slot can run out).
    pub fn reader_count(&self, record: &Record) -> usize {
        (record.own_reader_count() + self.inputs_reading(&record.key.id).count()).max(1)
    }
}
