//! The findings of the per-node rules (`check/`): a record's buffer and chain, its links.

use crate::diagnostic::Span;
use crate::model::Role;

/// What a per-node rule found, before it is worded.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum NodeFinding {
    /// A record with no buffer.
    NoBuffer {
        /// The record's key.
        key: String,
        /// The record's name.
        span: Span,
    },
    /// A record with a second buffer.
    TwoBuffers {
        /// The record's key.
        key: String,
        /// The first buffer.
        first: Span,
        /// The second.
        second: Span,
    },
    /// A ring larger than a static buffer may hold.
    RingTooLarge {
        /// The record's key.
        key: String,
        /// The capacity as written.
        capacity: usize,
        /// Where the capacity is.
        span: Span,
    },
    /// A ring of capacity 0.
    RingEmpty {
        /// The record's key.
        key: String,
        /// Where the capacity is.
        span: Span,
    },
    /// A ring whose capacity alone exceeds the node's RAM budget.
    RingOverBudget {
        /// The record's key.
        key: String,
        /// The node.
        node: String,
        /// The capacity as written.
        capacity: usize,
        /// The budget in bytes.
        budget: usize,
        /// Where the budget is declared; `None` when it comes from `memory.x`.
        declared: Option<Span>,
        /// Where the capacity is.
        span: Span,
    },
    /// A builder chain that does not end with `.finish()` (tokens only).
    Unfinished {
        /// The record's key.
        key: String,
        /// The chain's end.
        span: Span,
    },
    /// A link's named codec does not run on the node's runtime.
    CodecOffRuntime {
        /// The codec's name.
        codec: &'static str,
        /// The node's runtime.
        runtime: &'static str,
        /// The named codecs that do run there.
        here: Vec<&'static str>,
        /// The link.
        span: Span,
    },
    /// A link whose scheme fixes the wire format names a codec.
    FixedFormat {
        /// The scheme.
        scheme: &'static str,
        /// The codec as written.
        codec: String,
        /// Why the scheme takes none.
        why: &'static str,
        /// The link.
        span: Span,
    },
    /// A link with no codec for its direction (tokens only: a file reports it itself).
    NoCodec {
        /// The record's key.
        key: String,
        /// The link (`Role::LinkTo` or `Role::LinkFrom`).
        link: Role,
        /// The record's value type.
        value_type: String,
        /// The link.
        span: Span,
    },
    /// A link URL the connectors refuse.
    Url {
        /// The URL as written.
        url: String,
        /// What is wrong with it.
        problem: UrlProblem,
        /// The URL.
        span: Span,
    },
    /// An address a node declares twice (by its connector's identity of it).
    LinkTwice {
        /// The second declaration's URL as written.
        url: String,
        /// The address as its connector sees it.
        identity: String,
        /// The first declaration.
        first: Role,
        /// The first declaration's URL as written.
        first_url: String,
        /// Where the first is.
        first_span: Span,
        /// The second.
        span: Span,
    },
    /// A link of a one-stream scheme on another endpoint than the node's first.
    OtherEndpoint {
        /// The URL as written.
        url: String,
        /// The scheme.
        scheme: &'static str,
        /// This link's endpoint.
        endpoint: String,
        /// The node's endpoint, named first.
        theirs: String,
        /// The first link naming it.
        first: Role,
        /// Where it is.
        first_span: Span,
        /// This link.
        span: Span,
    },
    /// A second producer of a key on one node.
    TwoProducers {
        /// The key.
        key: String,
        /// The first producer.
        first: Role,
        /// Where it is.
        first_span: Span,
        /// The second.
        second: Role,
        /// Where it is.
        span: Span,
    },
    /// A key configured twice on one node (tokens only: a file's records are a table).
    ConfiguredTwice {
        /// The key.
        key: String,
        /// The first configuration's key.
        first: Span,
        /// The second's.
        span: Span,
    },
    /// A key declared with two value types on one node.
    TwoTypes {
        /// The key.
        key: String,
        /// The first type.
        first: String,
        /// Where it is.
        first_span: Span,
        /// The second type.
        second: String,
        /// Where it is.
        span: Span,
    },
    /// A join with no inputs.
    JoinWithoutInputs {
        /// The key it produces.
        key: String,
        /// The join.
        span: Span,
    },
    /// A record that is an input of one join twice.
    InputTwice {
        /// The key it produces.
        key: String,
        /// The input's key.
        input: String,
        /// Its first place.
        first: Span,
        /// Its second.
        span: Span,
    },
    /// A transform input that no record of the node has.
    UnknownInput {
        /// The key it produces.
        key: String,
        /// The input's key.
        input: String,
        /// A record that would fix it.
        close: Option<String>,
        /// The input.
        span: Span,
    },
    /// A join input declared with another type than its record's.
    InputType {
        /// The key it produces.
        key: String,
        /// The input's key.
        input: String,
        /// The type the input declares.
        declared: String,
        /// The record's type.
        actual: String,
        /// Where the record's type is.
        actual_span: Span,
        /// The declared type.
        span: Span,
    },
    /// Transforms that feed back into themselves.
    Cycle {
        /// The keys around the cycle, the first again at the end.
        path: String,
        /// The first record's transform.
        span: Span,
    },
}

impl From<NodeFinding> for super::Finding {
    fn from(finding: NodeFinding) -> Self {
        super::Finding::Node(finding)
    }
}

/// What is wrong with a link URL.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum UrlProblem {
    /// No `scheme://`.
    NoScheme {
        /// The address after any `//`.
        address: String,
    },
    /// Nothing after `scheme://`.
    EmptyAddress {
        /// The scheme.
        scheme: String,
    },
    /// A scheme no connector handles.
    UnknownScheme {
        /// The scheme.
        scheme: String,
        /// A known scheme close to it.
        close: Option<&'static str>,
    },
    /// A connector the node's runtime does not have.
    SchemeOffRuntime {
        /// The scheme.
        scheme: String,
        /// The runtime.
        runtime: &'static str,
        /// The schemes it has.
        here: Vec<&'static str>,
    },
    /// An address the connector's grammar refuses.
    Grammar {
        /// The connector's error.
        error: String,
        /// How to write it (from the error's kind and the scheme's options).
        fix: String,
    },
}
