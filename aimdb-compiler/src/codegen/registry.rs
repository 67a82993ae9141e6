//! The node's claims for the run-time registry: one per record, with its role, the type as
//! written and where it was declared. Validated before any task runs, so a second producer
//! from another topology linked into the same binary panics at start-up.
//!
//! A `.link_from()` record is claimed as `LinkFrom`: the registry lets another node of the
//! same process own the key (the seed's sensor and dashboard in one binary), and refuses a
//! second producer on the same node.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::{Planned, private};

pub(super) fn emit(records: &[Planned<'_>], node: &str) -> TokenStream {
    let p = private();
    let claims = records.iter().map(|planned| {
        let record = planned.record;
        let role = if let Some(source) = record.sources.first() {
            let function = &source.function.text;
            quote!(#p::aimdb_core::registry::Role::Source { function: #function })
        } else if !record.source_handles.is_empty() {
            quote!(#p::aimdb_core::registry::Role::SourceHandle)
        } else if !record.transforms.is_empty() {
            quote!(#p::aimdb_core::registry::Role::Transform)
        } else if let Some(link) = record.links_from.first() {
            let url = &link.url.text;
            quote!(#p::aimdb_core::registry::Role::LinkFrom { url: #url })
        } else {
            quote!(#p::aimdb_core::registry::Role::Reader)
        };
        let ty = &record.value_type.ty;
        let type_name = &record.value_type.text;
        let (line, column) = record.key.span.line_column(None).unwrap_or((0, 0));
        let (line, column) = (line as u32, column as u32);
        let key_expr = &record.key.expr;
        // The key is spanned at the user's token: a key that is not a `RecordKey` is
        // reported there.
        let key = quote_spanned!(record.key.span.token()=> &#key_expr);
        quote! {
            #p::aimdb_core::registry::Claim::new::<#ty>(
                #key,
                #type_name,
                #role,
                #node,
                #p::aimdb_core::registry::Location { file: #p::core::file!(), line: #line, column: #column },
            )
        }
    });
    let count = records.len();
    quote! {
        static __AIMDB_CLAIM_LIST: [#p::aimdb_core::registry::Claim; #count] = [#(#claims),*];
        static __AIMDB_CLAIMS: #p::aimdb_core::registry::ClaimSet =
            #p::aimdb_core::registry::ClaimSet::new(&__AIMDB_CLAIM_LIST);

        /// Register this node's claims and check them against every node already
        /// registered: panics on a second producer or a second type for one key.
        fn __aimdb_register() {
            #p::aimdb_core::registry::GLOBAL.register(&__AIMDB_CLAIMS);
            #p::aimdb_core::registry::GLOBAL.validate();
        }
    }
}
