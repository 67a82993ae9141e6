//! One task as the runtime bindings spawn it: its consumers, its connector, its body.

use proc_macro2::{Ident, TokenStream};

/// A consumer the entry point subscribes before spawning anything.
pub(crate) struct Subscription {
    /// The local variable holding it.
    pub ident: Ident,
    /// The name the task's body knows it by (`consumer`, a join's `input_0`, ..).
    pub param: Ident,
    /// `Consumer<'static, T>`.
    pub ty: TokenStream,
    /// The subscribe expression.
    pub expr: TokenStream,
}

/// One task.
pub(crate) struct Task {
    /// The task's name (an embassy task function's name).
    pub name: Ident,
    /// The consumers it reads (none for a source, several for a join).
    pub consumers: Vec<Subscription>,
    /// The `Links` field of the connector it publishes to, if it publishes.
    pub connector: Option<Ident>,
    /// The body; it names its consumers by their `param` and its connector `connector`.
    pub body: TokenStream,
}
