//! One `static` buffer per record, sized from the topology, and the node's RAM figures.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::{Planned, private};
use crate::model::{BufferKind, RamBudget, Runtime};

/// The buffer type of a record: kind, mutex for the runtime, value type, capacity, readers.
pub(super) fn buffer_type(planned: &Planned<'_>, runtime: Runtime) -> TokenStream {
    let p = private();
    let mutex = mutex(runtime);
    let ty = &planned.record.value_type.ty;
    let readers = planned.readers;
    match planned.record.buffers.first().map(|b| &b.kind) {
        Some(BufferKind::SpmcRing { capacity, .. }) => {
            quote!(#p::aimdb_core::SpmcRing<#mutex, #ty, #capacity, #readers>)
        }
        Some(BufferKind::Mailbox) => quote!(#p::aimdb_core::Mailbox<#mutex, #ty, #readers>),
        Some(BufferKind::SingleLatest) | None => {
            quote!(#p::aimdb_core::SingleLatest<#mutex, #ty, #readers>)
        }
    }
}

/// The mutex of the runtime's buffers.
pub(super) fn mutex(runtime: Runtime) -> TokenStream {
    (super::bindings::backend(runtime).mutex)()
}

/// The statics and the `ram` module.
///
/// A record's buffer is private to the node's module: only the node's own tasks (its
/// declared producer among them) reach it. Outside code gets a read-only `RecordView`, and
/// a `.source_handle()` record a `SourceHandle` that gives out its one `Producer` once.
pub(super) fn emit(
    records: &[Planned<'_>],
    runtime: Runtime,
    node: &str,
    ram: Option<RamBudget>,
) -> TokenStream {
    let p = private();
    let statics = records.iter().map(|planned| {
        let (ident, buffer) = (&planned.ident, &planned.buffer);
        let ty = buffer_type(planned, runtime);
        let record = planned.record;
        let value = &record.value_type.ty;
        let doc = format!(
            " Record `{}` (`{}`), read-only: subscribe, read the newest value, ask its figures. Its buffer has {} reader slot(s) (one per tap, outbound link and transform input).",
            record.key.id,
            record.value_type.text,
            planned.readers
        );
        let handle = (!record.source_handles.is_empty()).then(|| {
            let handle = format_ident!("{}_SOURCE", ident);
            let key = &record.key.id;
            let mutex = mutex(runtime);
            let doc = format!(
                " The one producer of record `{key}`, declared `.source_handle()`: `{handle}.take()` gives it out once (a second take panics)."
            );
            quote! {
                #[doc = #doc]
                pub static #handle: #p::aimdb_core::SourceHandle<#mutex, #value, #ty> =
                    #p::aimdb_core::SourceHandle::new(&#buffer, #node, #key);
            }
        });
        let family = &record.family;
        if !family.is_empty() {
            // A family at an observer: one buffer per instance, one view each.
            let count = family.len();
            let news = (0..count).map(|_| quote!(<#ty>::new()));
            let views = (0..count).map(|i| quote!(#p::aimdb_core::RecordView::new(&#buffer[#i])));
            let items = super::fleet::family_items(planned);
            let doc = format!(
                " Family `{}` (`{}`), read-only: one view per instance (`{ident}[i]` is instance `{ident}_INSTANCES[i]`).",
                record.key.id, record.value_type.text
            );
            return quote! {
                static #buffer: [#ty; #count] = [#(#news),*];
                #[doc = #doc]
                pub static #ident: [#p::aimdb_core::RecordView<#value, #ty>; #count] = [#(#views),*];
                #items
            };
        }
        quote! {
            static #buffer: #ty = <#ty>::new();
            #[doc = #doc]
            pub static #ident: #p::aimdb_core::RecordView<#value, #ty> =
                #p::aimdb_core::RecordView::new(&#buffer);
            #handle
        }
    });
    let sizes = records.iter().map(|planned| {
        let ident = &planned.ident;
        let one = buffer_type(planned, runtime);
        let ty = match planned.record.family.len() {
            0 => one,
            count => quote!([#one; #count]),
        };
        let doc = format!(
            " Bytes of static RAM the buffer of `{}` takes.",
            planned.record.key.id
        );
        quote! {
            #[doc = #doc]
            pub const #ident: usize = #p::core::mem::size_of::<#ty>();
        }
    });
    let idents = records.iter().map(|p| &p.ident);
    let budget = budget(records, node, ram);
    quote! {
        #(#statics)*

        /// Static RAM taken by this node's record buffers, in bytes.
        pub mod ram {
            use super::*;
            #(#sizes)*
            /// All of this node's record buffers together.
            pub const TOTAL: usize = 0 #(+ #idents)*;
            #budget
        }
    }
}

/// The node's RAM budget, checked where rustc knows the value types' sizes: an assertion at
/// the budget, and per record an array whose length is the record's bytes when the node is
/// over budget, so rustc's "expected an array with a size of 0, found one with a size of N"
/// gives each record's bytes on the record's `.buffer` token.
fn budget(records: &[Planned<'_>], node: &str, ram: Option<RamBudget>) -> Option<TokenStream> {
    let ram = ram?;
    let bytes = ram.bytes;
    let whose = match ram.from {
        crate::model::BudgetSource::Declared => "its budget",
        crate::model::BudgetSource::MemoryX => "the board's RAM (memory.x)",
    };
    let message = format!(
        "node `{node}`: its record buffers take more static RAM than {whose} of {bytes} bytes; each record's bytes are in the \"size of\" errors on its `.buffer`"
    );
    let each = records.iter().map(|planned| {
        let ident = &planned.ident;
        let at = planned
            .record
            .buffers
            .first()
            .map_or(planned.record.key.span, |b| b.span)
            .token();
        quote_spanned! {at=>
            const _: [(); 0] = [(); if TOTAL > BUDGET { #ident } else { 0 }];
        }
    });
    let at = ram.span.token();
    Some(quote_spanned! {at=>
        /// The node's static RAM budget for its record buffers, in bytes (`ram = ".."`, or
        /// the board's RAM from the crate's memory.x).
        pub const BUDGET: usize = #bytes;
        const _: () = ::core::assert!(TOTAL <= BUDGET, #message);
        #(#each)*
    })
}
