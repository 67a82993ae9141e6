//! One task per source, tap, outbound link and transform, independent of the runtime: what it needs
//! (a consumer subscribed before any task starts, a connector) and its async body. The
//! runtime bindings turn these into `tokio::spawn` calls or embassy task functions.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::links::{scheme_field, serializer_ident};
use super::runner::start;
use super::task::{Subscription, Task};
use super::{Planned, private};
use crate::model::{Function, Runtime};

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
