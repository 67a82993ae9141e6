//! Proc-macro shims over `aimdb-compiler`.
extern crate proc_macro;
use proc_macro::TokenStream;

/// Declare a node's topology.
#[proc_macro]
pub fn topology(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}

/// Derive `RecordKey` for an enum of unit variants.
#[proc_macro_derive(RecordKey, attributes(key, key_prefix, link_address))]
pub fn derive_record_key(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
