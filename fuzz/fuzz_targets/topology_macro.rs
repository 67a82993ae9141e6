//! Arbitrary text as the body of `topology!{}` and as a `#[derive(RecordKey)]` input:
//! text that tokenizes goes through `aimdb_compiler::compile` (parse, every check, emit)
//! and the derive. Generated code must be valid Rust; a rejected input must carry at least
//! one diagnostic. The file form (`file = ".."`) is skipped: it reads a path from disk.
#![no_main]

use std::str::FromStr;

use aimdb_compiler::file::macro_form;
use libfuzzer_sys::fuzz_target;
use proc_macro2::TokenStream;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(tokens) = TokenStream::from_str(text) else {
        return;
    };
    if !macro_form::is_file_form(&tokens) {
        match aimdb_compiler::compile(tokens.clone()) {
            Ok(code) => {
                if let Err(error) = syn::parse2::<syn::File>(code.clone()) {
                    panic!("generated code does not parse: {error}\n{code}");
                }
            }
            Err(diagnostics) => assert!(!diagnostics.is_empty(), "rejected without a diagnostic"),
        }
    }
    let derived = aimdb_compiler::record_key::expand(tokens);
    if let Err(error) = syn::parse2::<syn::File>(derived.clone()) {
        panic!("RecordKey expansion does not parse: {error}\n{derived}");
    }
    proc_macro2::extra::invalidate_current_thread_spans();
});
