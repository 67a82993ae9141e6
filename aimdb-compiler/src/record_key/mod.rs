//! `#[derive(RecordKey)]`.

use proc_macro2::TokenStream;

/// Expand `#[derive(RecordKey)]` on `input`.
pub fn expand(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
