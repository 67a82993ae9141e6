//! The node's `Links` (one connector per scheme used), codecs, inbound routes.

use std::collections::BTreeMap;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::{Planned, private};
use crate::model::{Codec, Function, Url};

/// What links emit: items in the module, and the start-up statements for the entry point
/// (`register_outbound` for every outbound link, `declare_contract` for every named-codec
/// link, then `attach` for the inbound routes).
pub(super) struct Emitted {
    pub items: TokenStream,
    pub attach: TokenStream,
}

/// The `Links` field of a URL's scheme (`mqtt`). Checked URLs always have a known scheme.
pub(super) fn scheme_field(url: &Url) -> Ident {
    format_ident!("{}", url.scheme.as_deref().unwrap_or("unknown"))
}

/// The const holding the serializer of a record's `index`th `link_to`.
pub(super) fn serializer_ident(planned: &Planned<'_>, index: usize) -> Ident {
    format_ident!("__AIMDB_SERIALIZE_{}_{}", planned.ident, index)
}

/// A codec function coerced to its fn-pointer type at the user's token, so a wrong
/// signature is reported on the function the user wrote.
fn codec_const(ident: &Ident, function: &Function, ty: &syn::Type, outbound: bool) -> TokenStream {
    let p = private();
    let (checker, alias) = if outbound {
        (quote!(serializer), quote!(Serializer))
    } else {
        (quote!(deserializer), quote!(Deserializer))
    };
    let expr = &function.expr;
    let span = function.span.token();
    // Every token literal here, so the whole call carries the user's span.
    let call = quote_spanned!(span=> ::aimdb::__private::glue::#checker::<#ty>(#expr));
    quote! {
        const #ident: #p::aimdb_core::connector::#alias<#ty> = #call;
    }
}

/// A named codec's serializer or deserializer: the contract functions of `aimdb::contract`
/// for codec type `C` (spanned at the user's codec, where a type that is not serde or has
/// no `Schema` is reported), with the record's accepted older versions as a chain.
fn contract_const(
    ident: &Ident,
    codec: &Function,
    record: &crate::model::Record,
    outbound: bool,
) -> TokenStream {
    let p = private();
    let ty = &record.value_type.ty;
    let c = &codec.expr;
    let span = codec.span.token();
    let call = if outbound {
        quote_spanned!(span=> ::aimdb::__private::glue::serializer::<#ty>(::aimdb::contract::encode::<#c, #ty>))
    } else {
        // (V2, (V1, ())): each version converts into the one before it.
        let accepts = record.accepts.iter().rev().fold(quote!(()), |rest, older| {
            let older = &older.ty;
            quote!((#older, #rest))
        });
        quote_spanned!(span=> ::aimdb::__private::glue::deserializer::<#ty>(::aimdb::contract::decode::<#c, #ty, #accepts>))
    };
    let alias = if outbound {
        quote!(Serializer)
    } else {
        quote!(Deserializer)
    };
    quote! {
        const #ident: #p::aimdb_core::connector::#alias<#ty> = #call;
    }
}

/// `READING_FINGERPRINT`, for a record with a named-codec link: the contract its links carry.
fn fingerprint_const(planned: &Planned<'_>) -> TokenStream {
    let record = planned.record;
    let ty = &record.value_type.ty;
    let ident = format_ident!("{}_FINGERPRINT", planned.ident);
    let doc = format!(
        " The contract fingerprint of record `{}` (`{}`): the header of every payload its named-codec links carry.",
        record.key.id, record.value_type.text
    );
    quote! {
        #[doc = #doc]
        pub const #ident: ::aimdb::contract::Fingerprint =
            <#ty as ::aimdb::contract::Fingerprinted>::FINGERPRINT;
    }
}

/// `contract = ".."` in the topology: the value type's fingerprint must be the pinned one,
/// or the node does not build (a type changed shape without its file saying so).
fn pin_check(planned: &Planned<'_>, pin: &crate::model::ContractPin) -> TokenStream {
    let p = private();
    let record = planned.record;
    let ty = &record.value_type.ty;
    let pinned = pin.fingerprint;
    // The message names the type's actual fingerprint, assembled in a `const` (a const
    // panic cannot format a number itself).
    let before = format!(
        "record `{}`: the contract fingerprint of `{}` is ",
        record.key.id, record.value_type.text
    );
    let after = format!(
        ", not {pinned:016x}, the one the topology pins: the type changed shape. Restore it, or \
         write the new fingerprint into the record's `contract` (and name the old type in \
         `accepts` where readers still receive it)"
    );
    let len = before.len() + 16 + after.len();
    let span = pin.span.token();
    quote_spanned! {span=>
        const _: () = {
            const ACTUAL: u64 = <#ty as ::aimdb::contract::Fingerprinted>::FINGERPRINT.as_u64();
            const MESSAGE: [u8; #len] = #p::glue::join_bytes::<#len>(&[
                #before.as_bytes(),
                &#p::glue::hex_digits(ACTUAL),
                #after.as_bytes(),
            ]);
            if ACTUAL != #pinned {
                ::core::panic!("{}", #p::glue::as_str(&MESSAGE));
            }
        };
    }
}

pub(super) fn emit(records: &[Planned<'_>]) -> Emitted {
    let p = private();
    let mut items = TokenStream::new();
    // scheme -> (address, deliver fn) routes; BTreeMap keeps the output stable.
    let mut routes: BTreeMap<String, Vec<TokenStream>> = BTreeMap::new();
    let mut schemes: BTreeMap<String, Ident> = BTreeMap::new();
    // Outbound links are declared to their connector before any task runs, with the kind
    // of the record's buffer as the buffer itself reports it (ring capacity included), so
    // the connector can follow the record's overflow semantics from the first value on.
    let mut register = TokenStream::new();
    // Named-codec links, declared after the routes are attached.
    let mut contracts = TokenStream::new();
    // Family routes by scheme, and an instanced node's per-instance route attachments.
    let mut families: BTreeMap<String, Vec<TokenStream>> = BTreeMap::new();
    let mut instance_routes = TokenStream::new();
    for planned in records {
        let record = planned.record;
        let ty = &record.value_type.ty;
        let named = record
            .links_to
            .iter()
            .map(|l| (&l.url, &l.serializer))
            .chain(record.links_from.iter().map(|l| (&l.url, &l.deserializer)))
            .filter(|(_, codec)| matches!(codec, Codec::Named(_)));
        let any_named = named.count() > 0;
        let fingerprint = format_ident!("{}_FINGERPRINT", planned.ident);
        let family = &record.family;
        if any_named || record.contract.is_some() {
            items.extend(fingerprint_const(planned));
        }
        if let Some(pin) = &record.contract {
            items.extend(pin_check(planned, pin));
        }
        for (index, link) in record.links_to.iter().enumerate() {
            let field = scheme_field(&link.url);
            let buffer = &planned.buffer;
            let table = super::fleet::table_ident(planned, true, index);
            // One address, the running instance's entry of a table, or every family member's.
            let addresses: Vec<TokenStream> = if family.is_empty() {
                vec![super::fleet::address(
                    &link.url,
                    planned.instances,
                    table,
                    &mut items,
                )]
            } else {
                (0..family.len())
                    .map(|at| {
                        let address = super::fleet::family_address(&link.url, family, at);
                        quote!(#address)
                    })
                    .collect()
            };
            let kind = if family.is_empty() {
                quote!(#p::aimdb_core::RecordBuffer::kind(&#buffer))
            } else {
                quote!(#p::aimdb_core::RecordBuffer::kind(&#buffer[0]))
            };
            for address in &addresses {
                register.extend(quote! {
                    links.#field.register_outbound(#address, #kind);
                });
                if matches!(link.serializer, Codec::Named(_)) {
                    contracts
                        .extend(quote! { links.#field.declare_contract(#address, #fingerprint); });
                }
            }
            schemes.insert(link.url.scheme.clone().unwrap_or_default(), field);
            match &link.serializer {
                Codec::Given(function) => items.extend(codec_const(
                    &serializer_ident(planned, index),
                    function,
                    ty,
                    true,
                )),
                Codec::Named(codec) => items.extend(contract_const(
                    &serializer_ident(planned, index),
                    codec,
                    record,
                    true,
                )),
                Codec::Missing | Codec::Reported => {}
            }
        }
        for (index, link) in record.links_from.iter().enumerate() {
            let scheme = link.url.scheme.clone().unwrap_or_default();
            schemes.insert(scheme.clone(), scheme_field(&link.url));
            let codec = format_ident!("__AIMDB_DESERIALIZE_{}_{}", planned.ident, index);
            match &link.deserializer {
                Codec::Given(function) => items.extend(codec_const(&codec, function, ty, false)),
                Codec::Named(named) => items.extend(contract_const(&codec, named, record, false)),
                Codec::Missing | Codec::Reported => continue,
            }
            let field = scheme_field(&link.url);
            if matches!(link.deserializer, Codec::Named(_)) {
                // An instanced node's inbound link: the running instance's route's address.
                let table = super::fleet::table_ident(planned, false, index);
                let address = match &link.url.template {
                    Some(_) if !planned.instances.is_empty() => {
                        quote!(#table[__aimdb_instance()].address)
                    }
                    _ => {
                        let address = &link.url.address;
                        quote!(#address)
                    }
                };
                contracts.extend(quote! { links.#field.declare_contract(#address, #fingerprint); });
            }
            if !family.is_empty() {
                let route =
                    super::fleet::family_route(planned, &link.url, index, &codec, &mut items);
                families.entry(scheme).or_default().push(route);
                continue;
            }
            let deliver = format_ident!("__aimdb_deliver_{}_{}", planned.stem, index);
            let buffer = &planned.buffer;
            let doc = format!(
                " Decode a payload from \"{}\" and produce it into `{}`.",
                link.url.text, planned.ident
            );
            items.extend(quote! {
                #[doc = #doc]
                fn #deliver(payload: &[u8]) -> #p::core::result::Result<(), #p::aimdb_core::connector::CodecError> {
                    #p::glue::deliver::<#ty>(payload, &#buffer, #codec)
                }
            });
            match link
                .url
                .template
                .as_deref()
                .filter(|_| !planned.instances.is_empty())
            {
                // An instanced node's inbound link: a route per instance, the running one attached.
                Some(template) => {
                    let ident = super::fleet::table_ident(planned, false, index);
                    let count = planned.instances.len();
                    let each = planned.instances.iter().enumerate().map(|(at, instance)| {
                        let address = crate::model::template::substitute(template, instance, at);
                        quote!(#p::aimdb_core::connector::InboundRoute { address: #address, deliver: #deliver })
                    });
                    items.extend(quote! {
                        static #ident: [#p::aimdb_core::connector::InboundRoute; #count] = [#(#each),*];
                    });
                    instance_routes.extend(quote! {
                        links.#field.attach(#p::core::slice::from_ref(&#ident[__aimdb_instance()]));
                    });
                }
                None => {
                    let address = &link.url.address;
                    routes.entry(scheme).or_default().push(quote! {
                        #p::aimdb_core::connector::InboundRoute { address: #address, deliver: #deliver }
                    });
                }
            }
        }
    }
    let fields = schemes.iter().map(|(scheme, field)| {
        let doc = format!(" The connector carrying this node's `{scheme}://` links.");
        quote! {
            #[doc = #doc]
            pub #field: &'static dyn #p::aimdb_core::connector::Connector
        }
    });
    items.extend(quote! {
        /// The connectors this node's links use, one per URL scheme.
        #[derive(Clone, Copy)]
        pub struct Links {
            #(#fields,)*
        }
    });
    let mut attach = register;
    for (scheme, table) in &routes {
        let field = &schemes[scheme];
        let ident = format_ident!("__AIMDB_ROUTES_{}", scheme.to_uppercase());
        let count = table.len();
        items.extend(quote! {
            static #ident: [#p::aimdb_core::connector::InboundRoute; #count] = [#(#table),*];
        });
        attach.extend(quote! { links.#field.attach(&#ident); });
    }
    attach.extend(instance_routes);
    for (scheme, table) in &families {
        let field = &schemes[scheme];
        let ident = format_ident!("__AIMDB_FAMILIES_{}", scheme.to_uppercase());
        let count = table.len();
        items.extend(quote! {
            static #ident: [#p::aimdb_core::connector::FamilyRoute; #count] = [#(#table),*];
        });
        attach.extend(quote! { links.#field.attach_family(&#ident); });
    }
    attach.extend(contracts);
    Emitted { items, attach }
}
