//! One `static` buffer per record, sized from the topology, and the node's RAM figures.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Planned, private};
use crate::model::{BufferKind, Runtime};

/// The buffer type of a record: kind, mutex for the runtime, value type, capacity, readers.
pub(super) fn buffer_type(planned: &Planned<'_>, runtime: Runtime) -> TokenStream {
    let p = private();
    let mutex = match runtime {
        // Per-buffer locks: unrelated records never contend across tokio's worker threads.
        Runtime::Tokio => quote!(#p::aimdb_core::mutex::StdRawMutex),
        Runtime::Embassy => quote!(#p::aimdb_core::mutex::CriticalSectionRawMutex),
    };
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

/// The statics and the `ram` module.
pub(super) fn emit(records: &[Planned<'_>], runtime: Runtime) -> TokenStream {
    let statics = records.iter().map(|planned| {
        let ident = &planned.ident;
        let ty = buffer_type(planned, runtime);
        let record = planned.record;
        let doc = format!(
            " Record `{}` (`{}`): its buffer, with {} reader slot(s) (one per tap, outbound link and transform input).",
            record.key.id,
            record.value_type.text,
            planned.readers
        );
        quote! {
            #[doc = #doc]
            pub static #ident: #ty = <#ty>::new();
        }
    });
    let p = private();
    let sizes = records.iter().map(|planned| {
        let ident = &planned.ident;
        let ty = buffer_type(planned, runtime);
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
    quote! {
        #(#statics)*

        /// Static RAM taken by this node's record buffers, in bytes.
        pub mod ram {
            use super::*;
            #(#sizes)*
            /// All of this node's record buffers together.
            pub const TOTAL: usize = 0 #(+ #idents)*;
        }
    }
}
