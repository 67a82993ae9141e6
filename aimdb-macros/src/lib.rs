//! Proc-macro shims over `aimdb-compiler`. All logic lives there, so it can be unit-tested
//! and reused by the CLI; these functions only convert token streams.
extern crate proc_macro;
use proc_macro::TokenStream;

/// Declare a node's topology. See the `aimdb` crate documentation for the grammar.
/// `topology!(file = "topologies/climate.toml", node = "sensor")` emits one node of a
/// topology file instead (see `docs/topology-file.md`).
#[proc_macro]
pub fn topology(input: TokenStream) -> TokenStream {
    aimdb_compiler::expand_topology(input.into()).into()
}

/// Derive `RecordKey` for an enum of unit variants, each with `#[key = "..."]`.
#[proc_macro_derive(RecordKey, attributes(key, key_prefix, link_address))]
pub fn derive_record_key(input: TokenStream) -> TokenStream {
    aimdb_compiler::record_key::expand(input.into()).into()
}
