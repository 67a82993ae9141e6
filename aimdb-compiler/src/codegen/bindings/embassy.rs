//! embassy: `pub fn spawn(spawner: Spawner, links: Links)`, one `#[task]` per task. The task
//! pools are statics, so nothing is allocated.

use proc_macro2::TokenStream;
use quote::quote;

use super::super::private;
use super::super::task::Task;

pub(crate) fn emit(tasks: &[Task], attach: &TokenStream, instanced: bool) -> TokenStream {
    let p = private();
    // An instanced node's entry point takes the instance and sets it before anything else.
    let (param, set) = if instanced {
        (
            quote!(, instance: Instance),
            quote!(__AIMDB_INSTANCE.store(instance.0, #p::core::sync::atomic::Ordering::Relaxed);),
        )
    } else {
        (quote!(), quote!())
    };
    let task_fns = tasks.iter().map(|task| {
        let name = &task.name;
        let consumers = task.consumers.iter().map(|c| {
            let (param, ty) = (&c.param, &c.ty);
            quote!(#param: #ty,)
        });
        let connector = task
            .connector
            .as_ref()
            .map(|_| quote!(connector: &'static dyn #p::aimdb_core::connector::Connector,));
        let body = &task.body;
        quote! {
            #[#p::embassy_executor::task(embassy_executor = #p::embassy_executor)]
            async fn #name(#(#consumers)* #connector) {
                #body
            }
        }
    });
    let subscribe = tasks.iter().flat_map(|t| &t.consumers).map(|c| {
        let (ident, ty, expr) = (&c.ident, &c.ty, &c.expr);
        quote!(let #ident: #ty = #expr;)
    });
    let spawns = tasks.iter().map(|task| {
        let name = &task.name;
        let consumers = task.consumers.iter().map(|c| {
            let ident = &c.ident;
            quote!(#ident)
        });
        let connector = task.connector.as_ref().map(|field| quote!(links.#field));
        let args = consumers.chain(connector);
        let message =
            format!("aimdb: task `{name}` is already running: a node's `spawn` may be called once");
        quote! {
            spawner.spawn(#name(#(#args),*).expect(#message));
        }
    });
    quote! {
        #(#task_fns)*

        /// Start the node on an embassy executor: register and validate its claims
        /// (panics if another node already produces one of its records), subscribe every
        /// reader, declare the outbound links and attach the inbound ones, then spawn one task per source, tap and
        /// outbound link and transform. Call it once: the task pools are statics of size one.
        pub fn spawn(spawner: #p::embassy_executor::Spawner, links: Links #param) {
            let _ = (&spawner, &links);
            #set
            __aimdb_register();
            #(#subscribe)*
            #attach
            #(#spawns)*
        }
    }
}
