//! Transforms in the model: a record produced from other records of its node, by one
//! input (`transform`) or a join over several.

use super::{Function, Key, TypeRef};
use crate::diagnostic::Span;

/// A transform producing the record from other records of the node:
/// `.transform(INPUT_KEY, |b| b.map(f))` (one input) or
/// `.transform_join(|b| b.input::<A>(K1).input::<B>(K2).on_triggers(h))` (a join).
#[derive(Clone, Debug)]
pub struct Transform {
    /// One input, or a join over several.
    pub kind: TransformKind,
    /// The records it reads, in the order written (a join's trigger index is this order).
    pub inputs: Vec<Input>,
    /// What runs on each input value; `None` when none was given (already reported).
    pub handler: Option<Handler>,
    /// The method token (`transform` / `transform_join`).
    pub span: Span,
    /// Position in the record's chain, to order producers.
    pub seq: usize,
}

/// The two transform forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransformKind {
    /// `.transform(INPUT_KEY, |b| ..)`: one input record.
    Single,
    /// `.transform_join(|b| ..)`: several input records, one trigger stream.
    Join,
}

impl TransformKind {
    /// The method as written in the chain.
    pub fn method(self) -> &'static str {
        match self {
            TransformKind::Single => "transform",
            TransformKind::Join => "transform_join",
        }
    }
}

/// One record a transform reads.
#[derive(Clone, Debug)]
pub struct Input {
    /// The input record's key.
    pub key: Key,
    /// The value type the transform declares for it (`input::<T>`); `None` when the front
    /// end does not name one (a single-input `.transform`), and the record's type is used.
    pub value_type: Option<TypeRef>,
    /// The call that declared it (`.input` token; the key for a single transform).
    pub span: Span,
}

/// What a transform runs.
#[derive(Clone, Debug)]
pub struct Handler {
    /// Which form.
    pub kind: HandlerKind,
    /// The user's function (a path or a closure).
    pub function: Function,
    /// The method token (`map`, `on_input`, `on_triggers`).
    pub span: Span,
}

/// The handler forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandlerKind {
    /// `b.map(f)`: `f: FnMut(&In) -> Out` or `-> Option<Out>` (`None` produces nothing).
    Map,
    /// `b.on_input(|rx, producer| async move { .. })`: the stateful form; `rx` is the
    /// input's `Consumer`.
    OnInput,
    /// `b.on_triggers(|rx, producer| async move { .. })`: a join's handler; `rx` yields
    /// one `Trigger` per input value.
    OnTriggers,
}

impl HandlerKind {
    /// The method as written.
    pub fn method(self) -> &'static str {
        match self {
            HandlerKind::Map => "map",
            HandlerKind::OnInput => "on_input",
            HandlerKind::OnTriggers => "on_triggers",
        }
    }
}
