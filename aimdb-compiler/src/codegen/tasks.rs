//! One task per source, tap, outbound link and transform, independent of the runtime: what it needs
//! (a consumer subscribed before any task starts, a connector) and its async body. The
//! runtime bindings turn these into `tokio::spawn` calls or embassy task functions.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::links::{scheme_field, serializer_ident};
use super::{Planned, private};
use crate::model::{Function, Runtime};

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

/// Start a user function with its handles; `types` are the runner's leading type arguments
/// (the record types), its last two (function and future or result) are inferred. The call is spanned at the user's token, and its
/// bounds are the type check, so a wrong signature is reported on the user's function. Tokio
/// tasks run on a multi-threaded runtime, so there the function must also be `Send`.
pub(super) fn start(
    function: &Function,
    types: TokenStream,
    role: &str,
    runtime: Runtime,
    handles: TokenStream,
) -> TokenStream {
    let runner = format_ident!(
        "run_{}{}",
        role,
        super::bindings::backend(runtime).runner_suffix
    );
    let expr = &function.expr;
    // Every token literal here (and the `.await`), so the call and the await carry the
    // user's span: rustc reports a wrong signature on the user's function, not the macro.
    if types.is_empty() {
        return quote_spanned!(function.span.token()=> ::aimdb::__private::glue::#runner(#expr, #handles).await);
    }
    quote_spanned!(function.span.token()=> ::aimdb::__private::glue::#runner::<#types, _, _>(#expr, #handles).await)
}

/// A source or tap that returns does not end silently: counted on the node
/// (`tasks_returned()`) and logged with the function's name (`log::warn!`).
fn returned(run: TokenStream, role: &str, function: &Function, key: &str) -> TokenStream {
    let name = &function.text;
    quote! {
        #run;
        __AIMDB_RETURNED.returned(NODE, #role, #name, #key);
    }
}

pub(super) fn plan(records: &[Planned<'_>], runtime: Runtime) -> Vec<Task> {
    let p = private();
    let mut tasks = Vec::new();
    for planned in records {
        let record = planned.record;
        let ty = &record.value_type.ty;
        let buffer = &planned.buffer;
        let key = &record.key.id;
        let subscription = |ident: Ident| Subscription {
            ident,
            param: format_ident!("consumer"),
            ty: quote!(#p::aimdb_core::Consumer<'static, #ty>),
            expr: quote!(#p::glue::subscribe::<#ty>(&#buffer, #key)),
        };
        if !record.family.is_empty() {
            tasks.extend(family_tasks(planned, runtime));
            continue;
        }
        for source in &record.sources {
            let producer = quote!(#p::glue::producer::<#ty>(&#buffer));
            let run = start(&source.function, quote!(#ty), "source", runtime, producer);
            let run = returned(run, "source", &source.function, key);
            tasks.push(Task {
                name: format_ident!("__aimdb_source_{}", planned.stem),
                consumers: Vec::new(),
                connector: None,
                body: run,
            });
        }
        for (index, tap) in record.taps.iter().enumerate() {
            let run = start(&tap.function, quote!(#ty), "tap", runtime, quote!(consumer));
            let run = returned(run, "tap", &tap.function, key);
            tasks.push(Task {
                name: format_ident!("__aimdb_tap_{}_{}", planned.stem, index),
                consumers: vec![subscription(format_ident!(
                    "__aimdb_tap_{}_{}_reader",
                    planned.stem,
                    index
                ))],
                connector: None,
                body: run,
            });
        }
        for (index, link) in record.links_to.iter().enumerate() {
            let codec = serializer_ident(planned, index);
            let table = super::fleet::table_ident(planned, true, index);
            let address =
                super::fleet::address(&link.url, planned.instances, table, &mut TokenStream::new());
            tasks.push(Task {
                name: format_ident!("__aimdb_link_to_{}_{}", planned.stem, index),
                consumers: vec![subscription(format_ident!("__aimdb_link_to_{}_{}_reader", planned.stem, index))],
                connector: Some(scheme_field(&link.url)),
                body: quote!(#p::glue::link_out::<#ty>(consumer, connector, #address, #codec).await),
            });
        }
        tasks.extend(super::transforms::tasks(planned, records, runtime));
    }
    tasks
}

/// A family at an observer: each tap and outbound link once per instance, on that
/// instance's buffer. A family tap is `f(instance: &'static str, consumer)`.
fn family_tasks(planned: &Planned<'_>, runtime: Runtime) -> Vec<Task> {
    let p = private();
    let record = planned.record;
    let (ty, buffer, key) = (&record.value_type.ty, &planned.buffer, &record.key.id);
    let mut tasks = Vec::new();
    for (at, instance) in record.family.iter().enumerate() {
        let subscription = |ident: Ident| Subscription {
            ident,
            param: format_ident!("consumer"),
            ty: quote!(#p::aimdb_core::Consumer<'static, #ty>),
            expr: quote!(#p::glue::subscribe::<#ty>(&#buffer[#at], #key)),
        };
        for (index, tap) in record.taps.iter().enumerate() {
            let handles = quote!(#instance, consumer);
            let run = start(&tap.function, quote!(#ty), "family_tap", runtime, handles);
            let run = returned(run, "tap", &tap.function, key);
            let name = format_ident!("__aimdb_tap_{}_{}_{}", planned.stem, index, at);
            tasks.push(Task {
                consumers: vec![subscription(format_ident!("{}_reader", name))],
                name,
                connector: None,
                body: run,
            });
        }
        for (index, link) in record.links_to.iter().enumerate() {
            let codec = serializer_ident(planned, index);
            let address = super::fleet::family_address(&link.url, &record.family, at);
            let name = format_ident!("__aimdb_link_to_{}_{}_{}", planned.stem, index, at);
            tasks.push(Task {
                consumers: vec![subscription(format_ident!("{}_reader", name))],
                name,
                connector: Some(scheme_field(&link.url)),
                body: quote!(#p::glue::link_out::<#ty>(consumer, connector, #address, #codec).await),
            });
        }
    }
    tasks
}
