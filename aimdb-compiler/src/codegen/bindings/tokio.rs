//! tokio: `pub async fn run(links: Links)`, one `tokio::spawn` per task.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::super::private;
use super::super::tasks::Task;

pub(crate) fn emit(tasks: &[Task], attach: &TokenStream) -> TokenStream {
    let p = private();
    let subscribe = tasks.iter().flat_map(|t| &t.consumers).map(|c| {
        let (ident, ty, expr) = (&c.ident, &c.ty, &c.expr);
        quote!(let #ident: #ty = #expr;)
    });
    let handles: Vec<_> = (0..tasks.len())
        .map(|i| format_ident!("__aimdb_task_{}", i))
        .collect();
    let spawns = tasks.iter().zip(&handles).map(|(task, handle)| {
        let consumers = task.consumers.iter().map(|c| {
            let (param, ident) = (&c.param, &c.ident);
            quote!(let #param = #ident;)
        });
        let connector = task
            .connector
            .as_ref()
            .map(|field| quote!(let connector = links.#field;));
        let body = &task.body;
        quote! {
            let #handle = #p::tokio::spawn({
                #(#consumers)*
                #connector
                async move { #body }
            });
        }
    });
    quote! {
        /// Run the node on the current tokio runtime: register and validate its claims
        /// (panics if another node already produces one of its records), subscribe every
        /// reader, declare the outbound links and attach the inbound ones, then spawn one task per source, tap,
        /// outbound link and transform. Returns when every task has returned; a task's panic is
        /// propagated.
        pub async fn run(links: Links) {
            let _ = &links;
            __aimdb_register();
            #(#subscribe)*
            #attach
            #(#spawns)*
            #(#p::glue::join(#handles).await;)*
        }
    }
}
