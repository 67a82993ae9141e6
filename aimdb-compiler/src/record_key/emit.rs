//! The code a key enum expands to: two inherent items and the `RecordKey` impl.
//!
//! Everything is named through `::aimdb::__private`, so a user crate needs only `aimdb`.
//! The key strings are computed here (prefix included), so the emitted code holds plain
//! literals: `key_str` is a `const fn` and works in statics and const contexts.

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

use super::parse::{KeyEnum, KeyVariant};

/// The generated items for `model`.
pub fn emit(model: &KeyEnum) -> TokenStream {
    let name = &model.ident;
    let keys: Vec<LitStr> = model
        .variants
        .iter()
        .map(|variant| {
            // A missing key was reported as an error; "" only keeps the impl well-formed.
            let full = model.full_key(variant).unwrap_or_default();
            LitStr::new(&full, proc_macro2::Span::call_site())
        })
        .collect();
    let patterns: Vec<TokenStream> = model.variants.iter().map(pattern).collect();

    let key_arms = patterns
        .iter()
        .zip(&keys)
        .map(|(pattern, key)| quote!(#pattern => #key,));
    let link_address = link_address_body(model, &patterns);

    let key_str_doc = format!(
        " The full key of this `{name}` variant, prefix included.\n\n \
         A `const fn`, so it also works in `static`s and const contexts. \
         `RecordKey::as_str` returns the same string."
    );
    let keys_doc = format!(" Every key of `{name}`, in declaration order.");

    quote! {
        impl #name {
            #[doc = #key_str_doc]
            #[inline]
            pub const fn key_str(&self) -> &'static str {
                match *self {
                    #(#key_arms)*
                }
            }

            #[doc = #keys_doc]
            pub const KEYS: &'static [&'static str] = &[#(#keys),*];
        }

        #[automatically_derived]
        impl ::aimdb::__private::aimdb_core::RecordKey for #name {
            #[inline]
            fn as_str(&self) -> &'static str {
                #name::key_str(self)
            }

            #[inline]
            fn link_address(&self) -> ::aimdb::__private::core::option::Option<&'static str> {
                #link_address
            }
        }
    }
}

/// `Self::Variant`, or `Self::Variant { .. }` for a variant with fields (already an error,
/// but the match must still be exhaustive).
fn pattern(variant: &KeyVariant) -> TokenStream {
    let ident = &variant.ident;
    if variant.has_fields {
        quote!(Self::#ident { .. })
    } else {
        quote!(Self::#ident)
    }
}

/// A plain `None` when no variant has an address; otherwise a match with a catch-all arm only
/// when some variant lacks one (so no unreachable arm is emitted).
fn link_address_body(model: &KeyEnum, patterns: &[TokenStream]) -> TokenStream {
    let option = quote!(::aimdb::__private::core::option::Option);
    let with_address: Vec<TokenStream> = model
        .variants
        .iter()
        .zip(patterns)
        .filter_map(|(variant, pattern)| {
            let address = variant.link_address.as_ref()?;
            let address = LitStr::new(&address.value(), proc_macro2::Span::call_site());
            Some(quote!(#pattern => #option::Some(#address),))
        })
        .collect();
    if with_address.is_empty() {
        return quote!(#option::None);
    }
    let rest = (with_address.len() < model.variants.len()).then(|| quote!(_ => #option::None,));
    quote! {
        match *self {
            #(#with_address)*
            #rest
        }
    }
}
