//! tokio: `pub async fn run(links: Links)`, one `tokio::spawn` per task.

use proc_macro2::TokenStream;
use quote::quote;

use super::super::private;
use super::super::task::Task;

pub(crate) fn emit(tasks: &[Task], attach: &TokenStream, instanced: bool) -> TokenStream {
    let p = private();
    // An instanced node's entry point takes the instance and sets it before anything else.
    let (param, arg, set) = if instanced {
        (
            quote!(, instance: Instance),
            quote!(, instance),
            quote!(__AIMDB_INSTANCE.store(instance.0, #p::core::sync::atomic::Ordering::Relaxed);),
        )
    } else {
        (quote!(), quote!(), quote!())
    };
    let subscribe = tasks.iter().flat_map(|t| &t.consumers).map(|c| {
        let (ident, ty, expr) = (&c.ident, &c.ty, &c.expr);
        quote!(let #ident: #ty = #expr;)
    });
    let spawns = tasks.iter().map(|task| {
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
            #p::glue::spawn({
                #(#consumers)*
                #connector
                let alive = __AIMDB_RUNNING.task();
                async move {
                    let _alive = alive;
                    #body
                }
            })
        }
    });
    let count = tasks.len();
    // Start-up is a plain function returning the task handles, and `run` awaits them in a
    // loop: one await point, however many tasks. (One `.await` per task in `run` made the
    // future's state machine, and so the build, grow with the square of the node's size.)
    quote! {
        /// Register and validate the node's claims, subscribe every reader, declare and
        /// attach the links, and spawn the tasks: everything `run` does before it waits.
        fn __aimdb_start(links: Links #param) -> [#p::tokio::task::JoinHandle<()>; #count] {
            let _ = &links;
            #set
            __aimdb_register();
            __AIMDB_RUNNING.start(NODE, #count);
            #(#subscribe)*
            #attach
            let handles = [#(#spawns),*];
            __AIMDB_RUNNING.started();
            handles
        }

        /// The node's live tasks: one `run` at a time.
        static __AIMDB_RUNNING: #p::glue::Running = #p::glue::Running::new();

        /// Run the node on the current tokio runtime: register and validate its claims
        /// (panics if another node already produces one of its records), subscribe every
        /// reader, declare the outbound links and attach the inbound ones, then spawn one task per source, tap,
        /// outbound link and transform. Returns when every task has returned; a task's panic is
        /// propagated.
        pub async fn run(links: Links #param) {
            for handle in __aimdb_start(links #arg) {
                #p::glue::join(handle).await;
            }
        }
    }
}
