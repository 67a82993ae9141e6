//! Fleets: an instanced node's `Instance` and its per-instance address tables, and a record
//! family's instance table at an observer.
//!
//! ```text
//! pub mod sensor {                                    // instances = ["zone-a", "zone-b"]
//!     pub const INSTANCES: [&str; 2] = ["zone-a", "zone-b"];
//!     pub struct Instance(usize);                     // Instance::parse("zone-a")
//!     static __AIMDB_ADDRESS_READING_TO_0: [&str; 2] = ["climate/zone-a/reading", ..];
//!     pub async fn run(links: Links, instance: Instance) / pub fn spawn(spawner, links, instance)
//! }
//! pub mod dashboard {                                 // observes climate/{instance}/reading
//!     pub static READING: [RecordView<..>; 2] = ..;   // one buffer per instance
//!     pub const READING_INSTANCES: [&str; 2] = ..;  pub fn reading_index(&str) -> Option<usize>
//!     pub const READING_NODES: [&str; 2] = ["sensor-zone-a", ..];   // each producer instance
//!     static __AIMDB_FAMILIES_MQTT: [FamilyRoute; 1] = ..;   // one wildcard filter each
//! }
//! ```
//!
//! Nothing here allocates at run time: an instance's address is an index into a static table,
//! a family's instance is found by binary search in a sorted static table.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::{Planned, private};
use crate::model::Url;

/// The instance the node runs as, set once by its entry point.
pub(super) fn instance_items(node: &str, instances: &[String]) -> TokenStream {
    if instances.is_empty() {
        return TokenStream::new();
    }
    let p = private();
    let count = instances.len();
    let names: Vec<String> = instances.iter().map(|i| format!("{node}-{i}")).collect();
    let liveness = names
        .iter()
        .map(|n| crate::model::liveness::liveness_topic(n));
    let help = format!("{node}: the instances are {}", instances.join(", "));
    quote! {
        /// The node's instances, as the topology file declares them.
        pub const INSTANCES: [&str; #count] = [#(#instances),*];
        /// Each instance's name as a node of the system (`NODE-INSTANCE`): its MQTT client id.
        const __AIMDB_INSTANCE_NODES: [&str; #count] = [#(#names),*];
        /// Each instance's liveness topic.
        const __AIMDB_INSTANCE_LIVENESS: [&str; #count] = [#(#liveness),*];
        /// One of the node's [`INSTANCES`]: which one this image runs as, chosen at start-up.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct Instance(usize);
        impl Instance {
            /// The declared instance named `name`, or `None`.
            pub fn parse(name: &str) -> ::core::option::Option<Instance> {
                INSTANCES.iter().position(|i| *i == name).map(Instance)
            }
            /// The instance at `index` in [`INSTANCES`], or `None`.
            pub const fn at(index: usize) -> ::core::option::Option<Instance> {
                if index < #count { ::core::option::Option::Some(Instance(index)) } else { ::core::option::Option::None }
            }
            /// Its position in [`INSTANCES`] (`{index}`).
            pub const fn index(self) -> usize {
                self.0
            }
            /// Its name (`{instance}`).
            pub const fn name(self) -> &'static str {
                INSTANCES[self.0]
            }
            /// `NODE-INSTANCE`: the instance as a node of the system, e.g. its MQTT client id.
            pub const fn node_name(self) -> &'static str {
                __AIMDB_INSTANCE_NODES[self.0]
            }
            /// Where this instance publishes its liveness over MQTT.
            pub const fn liveness(self) -> &'static str {
                __AIMDB_INSTANCE_LIVENESS[self.0]
            }
            /// The instance named `name`, or a panic naming the declared set.
            pub fn expect(name: &str) -> Instance {
                match Instance::parse(name) {
                    ::core::option::Option::Some(instance) => instance,
                    ::core::option::Option::None => ::core::panic!("aimdb: `{}` is not an instance of node {}", name, #help),
                }
            }
        }
        static __AIMDB_INSTANCE: #p::core::sync::atomic::AtomicUsize = #p::core::sync::atomic::AtomicUsize::new(0);
        /// The index of the instance this image runs as.
        fn __aimdb_instance() -> usize {
            __AIMDB_INSTANCE.load(#p::core::sync::atomic::Ordering::Relaxed)
        }
    }
}

/// The address of a link on an instanced node: a literal, or the running instance's entry
/// of a static table (emitted into `items`).
pub(super) fn address(
    url: &Url,
    instances: &[String],
    table: Ident,
    items: &mut TokenStream,
) -> TokenStream {
    let Some(template) = url.template.as_deref().filter(|_| !instances.is_empty()) else {
        let address = &url.address;
        return quote!(#address);
    };
    let count = instances.len();
    let each = instances
        .iter()
        .enumerate()
        .map(|(index, instance)| crate::model::template::substitute(template, instance, index));
    items.extend(quote! {
        static #table: [&str; #count] = [#(#each),*];
    });
    quote!(#table[__aimdb_instance()])
}

/// The address table's name for a record's `index`th link.
pub(super) fn table_ident(planned: &Planned<'_>, to: bool, index: usize) -> Ident {
    let way = if to { "TO" } else { "FROM" };
    format_ident!("__AIMDB_ADDRESS_{}_{}_{}", planned.ident, way, index)
}

/// A family link's address for instance `index` (a family's outbound link).
pub(super) fn family_address(url: &Url, family: &[String], index: usize) -> String {
    match url.template.as_deref() {
        Some(template) => crate::model::template::substitute(template, &family[index], index),
        None => url.address.clone(),
    }
}

/// A family's instance table and index function at the observer.
pub(super) fn family_items(planned: &Planned<'_>) -> TokenStream {
    let family = &planned.record.family;
    let count = family.len();
    let instances = format_ident!("{}_INSTANCES", planned.ident);
    let index = format_ident!("{}_index", planned.stem);
    let sorted = format_ident!("__AIMDB_SORTED_{}", planned.ident);
    let mut pairs: Vec<(&String, usize)> = family.iter().zip(0..).collect();
    pairs.sort();
    let pairs = pairs.iter().map(|(name, at)| quote!((#name, #at)));
    let key = &planned.record.key.id;
    let doc = format!(
        " The instances of the family `{key}`, in the file's order: `{}[i]` is instance `i`'s buffer.",
        planned.ident
    );
    let node = &planned.record.family_node;
    let nodes_ident = format_ident!("{}_NODES", planned.ident);
    let nodes = family.iter().map(|i| format!("{node}-{i}"));
    let nodes_doc = format!(
        " Each instance's producer as a node of the system (`{node}-INSTANCE`, in the order of `{instances}`): its liveness topic's name, MQTT client id and ACL user."
    );
    quote! {
        #[doc = #doc]
        pub const #instances: [&str; #count] = [#(#family),*];
        #[doc = #nodes_doc]
        pub const #nodes_ident: [&str; #count] = [#(#nodes),*];
        /// The family's instances sorted by name, with their index: the O(log n) lookup.
        static #sorted: [(&str, usize); #count] = [#(#pairs),*];
        /// The index of `instance` in the family (its buffer), or `None`: O(log n).
        pub fn #index(instance: &str) -> ::core::option::Option<usize> {
            #sorted
                .binary_search_by(|(name, _)| (*name).cmp(instance))
                .ok()
                .map(|at| #sorted[at].1)
        }
    }
}

/// The family route of a record's `index`th `link_from`, and its deliver function.
pub(super) fn family_route(
    planned: &Planned<'_>,
    url: &Url,
    index: usize,
    codec: &Ident,
    items: &mut TokenStream,
) -> TokenStream {
    let p = private();
    let ty = &planned.record.value_type.ty;
    let buffer = &planned.buffer;
    let sorted = format_ident!("__AIMDB_SORTED_{}", planned.ident);
    let deliver = format_ident!("__aimdb_deliver_family_{}_{}", planned.stem, index);
    let count = planned.record.family.len();
    let level = url
        .template
        .as_deref()
        .and_then(crate::model::template::family_filter)
        .map_or(0, |(_, level)| level);
    let filter = &url.address;
    let doc = format!(
        " Decode a payload from \"{}\" and produce it into instance `instance`'s buffer of `{}`.",
        url.text, planned.ident
    );
    items.extend(quote! {
        #[doc = #doc]
        fn #deliver(instance: usize, payload: &[u8]) -> #p::core::result::Result<(), #p::aimdb_core::connector::CodecError> {
            if instance >= #count {
                return #p::core::result::Result::Err(#p::aimdb_core::connector::CodecError::Malformed);
            }
            #p::glue::deliver::<#ty>(payload, &#buffer[instance], #codec)
        }
    });
    quote! {
        #p::aimdb_core::connector::FamilyRoute {
            filter: #filter,
            level: #level,
            instances: &#sorted,
            deliver: #deliver,
        }
    }
}
