//! Transforms and joins: one task each, reading its inputs' own buffers.
//!
//! A join producing `APPLIED` also gets, in the node's module:
//!
//! ```text
//! pub enum AppliedInput { RequestOperatorA(SetpointRequest), .. }   // the trigger payload
//! impl JoinInput for AppliedInput { index(), key() }
//! impl AsInput<SetpointRequest> for AppliedInput { .. }              // one per distinct type
//! pub struct AppliedInputs { pub input_0: Consumer<'static, SetpointRequest>, .. }
//! impl JoinInputs for AppliedInputs { poll_input(index, cx) }        // polls input `index`
//! pub type AppliedRx = JoinRx<AppliedInputs, 3>;                     // the handler's `rx`
//! ```
//!
//! A family input (`climate/{instance}/reading` at an observer, K instances) is one variant
//! carrying the instance with the value, `SummaryInput::Reading(&'static str, Temperature)`,
//! one field of K consumers, `input_0: [Consumer<'static, Temperature>; K]`, and K of the
//! `JoinRx`'s polled inputs (`JoinRx<SummaryInputs, K + ..>`): any instance's value triggers.
//!
//! Nothing is boxed and no channel sits between the inputs and the handler.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::names::{last_segment, screaming};
use super::runner::start;
use super::task::{Subscription, Task};
use super::{Planned, private};
use crate::model::{HandlerKind, Runtime, Transform, TransformKind};

/// The tasks of `planned`'s transform (a checked record has at most one).
pub(super) fn tasks(planned: &Planned<'_>, all: &[Planned<'_>], runtime: Runtime) -> Vec<Task> {
    let p = private();
    let by_key: HashMap<&str, &Planned<'_>> = all
        .iter()
        .rev()
        .map(|p| (p.record.key.id.as_str(), p))
        .collect();
    let record = planned.record;
    let out = &record.value_type.ty;
    let buffer = &planned.buffer;
    let mut tasks = Vec::new();
    for transform in &record.transforms {
        let Some(handler) = &transform.handler else {
            continue;
        };
        let inputs: Vec<&Planned<'_>> = transform
            .inputs
            .iter()
            .filter_map(|i| by_key.get(i.key.id.as_str()).copied())
            .collect();
        let subscriptions: Vec<Subscription> = inputs
            .iter()
            .enumerate()
            .map(|(index, input)| {
                let ty = &input.record.value_type.ty;
                let key = &input.record.key.id;
                let input_buffer = &input.buffer;
                let param = match transform.kind {
                    TransformKind::Single => format_ident!("consumer"),
                    TransformKind::Join => format_ident!("input_{}", index),
                };
                let ident = format_ident!("__aimdb_transform_{}_{}_reader", planned.stem, index);
                let family = input.record.family.len();
                if family > 0 {
                    // A family input (a join only): one consumer per instance's buffer.
                    return Subscription {
                        ident,
                        param,
                        ty: quote!([#p::aimdb_core::Consumer<'static, #ty>; #family]),
                        expr: quote!(#p::core::array::from_fn(|at| {
                            #p::glue::subscribe::<#ty>(&#input_buffer[at], #key)
                        })),
                    };
                }
                Subscription {
                    ident,
                    param,
                    ty: quote!(#p::aimdb_core::Consumer<'static, #ty>),
                    expr: quote!(#p::glue::subscribe::<#ty>(&#input_buffer, #key)),
                }
            })
            .collect();
        let producer = quote!(#p::glue::producer::<#out>(&#buffer));
        let body = match (transform.kind, handler.kind, inputs.first()) {
            (TransformKind::Single, kind, Some(input)) => {
                let input_ty = &input.record.value_type.ty;
                let role = match kind {
                    HandlerKind::Map => "map",
                    _ => "on_input",
                };
                start(
                    &handler.function,
                    quote!(#input_ty, #out),
                    role,
                    runtime,
                    quote!(consumer, #producer),
                )
            }
            (TransformKind::Join, _, _) => {
                let names = JoinNames::of(planned);
                let (inputs_ty, rx_ty) = (&names.inputs, &names.rx);
                let params = subscriptions.iter().map(|s| &s.param);
                let run = start(
                    &handler.function,
                    TokenStream::new(),
                    "join",
                    runtime,
                    quote!(rx, #producer),
                );
                quote! {
                    let rx: #rx_ty = #p::aimdb_core::join::JoinRx::new(#inputs_ty { #(#params),* });
                    #run
                }
            }
            (TransformKind::Single, _, None) => continue,
        };
        tasks.push(Task {
            name: format_ident!("__aimdb_transform_{}", planned.stem),
            consumers: subscriptions,
            connector: None,
            body,
        });
    }
    tasks
}

/// The generated names of one join.
struct JoinNames {
    input: Ident,
    inputs: Ident,
    rx: Ident,
}

impl JoinNames {
    fn of(planned: &Planned<'_>) -> Self {
        let stem = camel(&planned.ident.to_string());
        JoinNames {
            input: format_ident!("{}Input", stem),
            inputs: format_ident!("{}Inputs", stem),
            rx: format_ident!("{}Rx", stem),
        }
    }
}

/// The items of every join in the node: its input enum, consumers struct and impls.
pub(super) fn items(records: &[Planned<'_>]) -> TokenStream {
    let by_key: HashMap<&str, &Planned<'_>> = records
        .iter()
        .rev()
        .map(|p| (p.record.key.id.as_str(), p))
        .collect();
    let mut out = TokenStream::new();
    for planned in records {
        for transform in &planned.record.transforms {
            if transform.kind == TransformKind::Join && !transform.inputs.is_empty() {
                out.extend(join_items(planned, transform, &by_key));
            }
        }
    }
    out
}

fn join_items(
    planned: &Planned<'_>,
    transform: &Transform,
    by_key: &HashMap<&str, &Planned<'_>>,
) -> TokenStream {
    let p = private();
    let names = JoinNames::of(planned);
    let JoinNames { input, inputs, rx } = &names;
    let key = &planned.record.key.id;
    let variants = variant_names(transform);
    // Each input's type: as declared (`input::<T>`), else its record's.
    let types: Vec<&syn::Type> = transform
        .inputs
        .iter()
        .map(|i| match &i.value_type {
            Some(t) => &t.ty,
            None => &by_key[i.key.id.as_str()].record.value_type.ty,
        })
        .collect();
    let count = transform.inputs.len();
    let indices = 0..count;
    let key_exprs = transform.inputs.iter().map(|i| &i.key.expr);
    let fields: Vec<Ident> = (0..count).map(|i| format_ident!("input_{}", i)).collect();
    // A family input: its instance table and size (its consumers are polled one by one).
    let families: Vec<Option<(Ident, usize)>> = transform
        .inputs
        .iter()
        .map(|i| {
            by_key
                .get(i.key.id.as_str())
                .filter(|p| !p.record.family.is_empty())
                .map(|p| {
                    (
                        format_ident!("{}_INSTANCES", p.ident),
                        p.record.family.len(),
                    )
                })
        })
        .collect();
    // The polled inputs: one per plain input, one per instance of a family input.
    let polled: usize = families.iter().map(|f| f.as_ref().map_or(1, |f| f.1)).sum();
    let variant_docs: Vec<String> = transform
        .inputs
        .iter()
        .zip(&families)
        .enumerate()
        .map(|(i, (input, family))| match family {
            Some((_, n)) => format!(
                " Input {i}: a value of the family `{}` ({n} instances), with the name of the instance it came from.",
                input.key.id
            ),
            None => format!(" Input {i}: a value of `{}`.", input.key.id),
        })
        .collect();
    let field_docs = variant_docs.clone();
    let payloads = types
        .iter()
        .zip(&families)
        .map(|(ty, family)| match family {
            Some(_) => quote!(&'static str, #ty),
            None => quote!(#ty),
        });
    let field_types = types
        .iter()
        .zip(&families)
        .map(|(ty, family)| match family {
            Some((_, n)) => quote!([#p::aimdb_core::Consumer<'static, #ty>; #n]),
            None => quote!(#p::aimdb_core::Consumer<'static, #ty>),
        });
    let patterns: Vec<TokenStream> = variants
        .iter()
        .zip(&families)
        .map(|(variant, family)| match family {
            Some(_) => quote!(#input::#variant(_, value)),
            None => quote!(#input::#variant(value)),
        })
        .collect();
    let instance_arms = variants
        .iter()
        .zip(&families)
        .map(|(variant, family)| match family {
            Some(_) => {
                quote!(#input::#variant(instance, _) => #p::core::option::Option::Some(instance))
            }
            None => quote!(#input::#variant(_) => #p::core::option::Option::None),
        });
    let mut offset = 0usize;
    let mut polls = Vec::new();
    for (i, ((field, variant), family)) in fields.iter().zip(&variants).zip(&families).enumerate() {
        let last = i + 1 == count;
        match family {
            Some((instances, n)) => {
                let (first, end) = (offset, offset + n - 1);
                let arm = if last {
                    quote!(_)
                } else {
                    quote!(#first..=#end)
                };
                polls.push(quote!(#arm => {
                    let at = index - #first;
                    self.#field[at].poll_recv(cx).map(|r| r.map(|value| #input::#variant(#instances[at], value)))
                }));
                offset += n;
            }
            None => {
                let arm = if last { quote!(_) } else { quote!(#offset) };
                polls.push(
                    quote!(#arm => self.#field.poll_recv(cx).map(|r| r.map(#input::#variant))),
                );
                offset += 1;
            }
        }
    }
    let mut seen = HashSet::new();
    let as_inputs = types
        .iter()
        .filter(|ty| seen.insert(quote!(#ty).to_string()))
        .map(|ty| {
            let text = quote!(#ty).to_string();
            let matching: Vec<&TokenStream> = types
                .iter()
                .zip(&patterns)
                .filter(|(t, _)| quote!(#t).to_string() == text)
                .map(|(_, pattern)| pattern)
                .collect();
            quote! {
                impl #p::aimdb_core::join::AsInput<#ty> for #input {
                    #[allow(unreachable_patterns)]
                    fn as_input(&self) -> #p::core::option::Option<&#ty> {
                        match self {
                            #(#matching)|* => #p::core::option::Option::Some(value),
                            _ => #p::core::option::Option::None,
                        }
                    }
                    #[allow(unreachable_patterns)]
                    fn into_input(self) -> #p::core::option::Option<#ty> {
                        match self {
                            #(#matching)|* => #p::core::option::Option::Some(value),
                            _ => #p::core::option::Option::None,
                        }
                    }
                }
            }
        });
    let enum_doc = format!(
        " The inputs of the join producing `{key}`, one variant per input in the order written: the payload of its `Trigger`."
    );
    let inputs_doc = format!(
        " The join producing `{key}` reads these consumers, one per input, polled round-robin."
    );
    let rx_doc = format!(" The `rx` the handler of the join producing `{key}` receives.");
    quote! {
        #[doc = #enum_doc]
        #[derive(Clone, Debug)]
        pub enum #input {
            #(#[doc = #variant_docs] #variants(#payloads),)*
        }

        impl #p::aimdb_core::join::JoinInput for #input {
            fn index(&self) -> usize {
                match self {
                    #(#input::#variants(..) => #indices,)*
                }
            }
            fn key(&self) -> &'static dyn #p::aimdb_core::RecordKey {
                match self {
                    #(#input::#variants(..) => &#key_exprs,)*
                }
            }
            fn instance(&self) -> #p::core::option::Option<&'static str> {
                match *self {
                    #(#instance_arms,)*
                }
            }
        }

        #(#as_inputs)*

        #[doc = #inputs_doc]
        pub struct #inputs {
            #(#[doc = #field_docs] pub #fields: #field_types,)*
        }

        impl #p::aimdb_core::join::JoinInputs for #inputs {
            type Input = #input;
            fn poll_input(
                &mut self,
                index: usize,
                cx: &mut #p::core::task::Context<'_>,
            ) -> #p::core::task::Poll<#p::core::result::Result<#input, #p::aimdb_core::RecvError>> {
                match index {
                    #(#polls,)*
                }
            }
        }

        #[doc = #rx_doc]
        pub type #rx = #p::aimdb_core::join::JoinRx<#inputs, #polled>;
    }
}

/// Variant names from the input keys' last segments (`RequestOperatorA`); the whole key on
/// a clash, `Input{i}` if that clashes too.
fn variant_names(transform: &Transform) -> Vec<Ident> {
    let pick = |f: &dyn Fn(&str) -> String| -> Option<Vec<String>> {
        let names: Vec<String> = transform.inputs.iter().map(|i| f(&i.key.id)).collect();
        let unique: HashSet<&String> = names.iter().collect();
        (unique.len() == names.len()).then_some(names)
    };
    let names = pick(&|id| camel(&screaming(last_segment(id))))
        .or_else(|| pick(&|id| camel(&screaming(id))))
        .unwrap_or_else(|| {
            (0..transform.inputs.len())
                .map(|i| format!("Input{i}"))
                .collect()
        });
    names.iter().map(|n| format_ident!("{}", n)).collect()
}

/// `ZONE_A_READING` → `ZoneAReading`.
fn camel(screaming: &str) -> String {
    let mut out = String::new();
    for word in screaming.split('_').filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) || out.is_empty() {
        out.insert(0, 'R');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::camel;

    #[test]
    fn camel_case_from_statics() {
        assert_eq!(camel("APPLIED"), "Applied");
        assert_eq!(camel("ZONE_A_READING"), "ZoneAReading");
        assert_eq!(camel("R_9LIVES"), "R9lives");
    }
}
