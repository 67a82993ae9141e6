//! Unit tests of the derive: token streams in, messages or generated items out, no rustc.

use proc_macro2::TokenStream;
use quote::quote;

use super::{derive, expand};

/// Every message the derive reports for `input` (empty if it is valid).
fn messages(input: TokenStream) -> Vec<String> {
    match derive(input) {
        Ok(_) => Vec::new(),
        Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
    }
}

/// The one message containing `needle`, failing with every message if not exactly one does.
fn message_with(messages: &[String], needle: &str) -> String {
    let found: Vec<&String> = messages.iter().filter(|m| m.contains(needle)).collect();
    assert_eq!(
        found.len(),
        1,
        "want one message with {needle:?} in {messages:#?}"
    );
    found[0].clone()
}

/// Generated code with whitespace removed, to match shapes without caring for layout.
fn compact(tokens: &TokenStream) -> String {
    tokens.to_string().split_whitespace().collect()
}

fn seed_setpoint_key() -> TokenStream {
    quote! {
        #[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
        enum SetpointKey {
            #[key = "request/operator-a"]
            RequestOperatorA,
            #[key = "request/operator-b"]
            RequestOperatorB,
            #[key = "request/autotuner"]
            RequestAutotuner,
            #[key = "applied"]
            Applied,
        }
    }
}

#[test]
fn seed_enum_expands_to_the_trait_impl_through_the_private_path() {
    let code = compact(&derive(seed_setpoint_key()).expect("the seed's enum is valid"));
    assert!(code.contains("impl::aimdb::__private::aimdb_core::RecordKeyforSetpointKey"));
    assert!(code.contains("fnas_str(&self)->&'staticstr{SetpointKey::key_str(self)}"));
    assert!(code.contains("pubconstfnkey_str(&self)->&'staticstr"));
    assert!(code.contains("Self::RequestOperatorA=>\"request/operator-a\","));
    assert!(code.contains("Self::Applied=>\"applied\","));
    assert!(code.contains(
        "pubconstKEYS:&'static[&'staticstr]=&[\"request/operator-a\",\
         \"request/operator-b\",\"request/autotuner\",\"applied\"];"
    ));
    // No variant has an address: a bare `None`, no match with an unreachable arm.
    assert!(code.contains("->::aimdb::__private::core::option::Option<&'staticstr>{::aimdb::__private::core::option::Option::None}"));
}

#[test]
fn prefix_is_prepended_to_every_key() {
    let code = compact(
        &derive(quote! {
            #[key_prefix = "climate/zone-a/"]
            enum ClimateKey {
                #[key = "reading"]
                Reading,
                #[key = "setpoint"]
                Setpoint,
            }
        })
        .expect("valid"),
    );
    assert!(code.contains("Self::Reading=>\"climate/zone-a/reading\","));
    assert!(code.contains("&[\"climate/zone-a/reading\",\"climate/zone-a/setpoint\"]"));
}

#[test]
fn link_address_arms_cover_only_variants_that_have_one() {
    let some = "::aimdb::__private::core::option::Option::Some";
    let code = compact(
        &derive(quote! {
            enum Key {
                #[key = "a"] #[link_address = "mqtt://a"] A,
                #[key = "b"] B,
            }
        })
        .expect("valid"),
    );
    assert!(code.contains(&format!("Self::A=>{some}(\"mqtt://a\"),")));
    assert!(code.contains("_=>::aimdb::__private::core::option::Option::None,"));

    let all = compact(
        &derive(quote! {
            enum Key { #[key = "a"] #[link_address = "mqtt://a"] A }
        })
        .expect("valid"),
    );
    assert!(
        !all.contains("_=>"),
        "every variant has an address, so no catch-all: {all}"
    );
}

#[test]
fn duplicate_key_is_reported_on_the_second_with_a_note_on_the_first() {
    let found = messages(quote! {
        #[key_prefix = "plant/"]
        enum SetpointKey {
            #[key = "applied"] Applied,
            #[key = "other"] Other,
            #[key = "applied"] AppliedAgain,
            #[key = "applied"] AppliedThird,
        }
    });
    assert_eq!(found.len(), 3, "{found:#?}");
    assert_eq!(
        found[0],
        "duplicate key `plant/applied`: variant `Applied` already has it\nhelp: give \
         `AppliedAgain` a key of its own; two variants with one key would name the same record"
    );
    assert_eq!(
        found[1],
        "key `plant/applied` is first used here, by variant `Applied`"
    );
    assert!(found[2].starts_with("duplicate key `plant/applied`: variant `Applied`"));
    assert!(found[2].contains("give `AppliedThird` a key"));
}

#[test]
fn empty_key_names_the_variant_and_suggests_a_key() {
    let found = messages(quote! {
        enum SetpointKey { #[key = ""] RequestOperatorA }
    });
    assert_eq!(
        found,
        [
            "empty key on variant `RequestOperatorA`\nhelp: write the key, for example \
          `#[key = \"request-operator-a\"]`"
        ]
    );
}

#[test]
fn invalid_characters_are_named() {
    let found = messages(quote! {
        #[key_prefix = "a:b/"]
        enum Key {
            #[key = "zone a/temp#1"] A,
            #[key = "ok_1.v-2/x"] B,
        }
    });
    assert_eq!(found.len(), 2, "{found:#?}");
    let prefix = message_with(&found, "key prefix");
    assert!(prefix.starts_with("invalid character `':'` in key prefix `a:b/`\nhelp:"));
    let key = message_with(&found, "in key `");
    assert!(key.starts_with("invalid characters `' '`, `'#'` in key `zone a/temp#1`\nhelp:"));
    assert!(key.ends_with("for example `zone-a/temp-1`"), "{key}");
}

#[test]
fn slashes_must_separate_non_empty_segments() {
    let found = messages(quote! {
        enum Key {
            #[key = "/a"] Leading,
            #[key = "a/"] Trailing,
            #[key = "a//b"] Double,
            #[key = "a/b.c-d_e"] Fine,
        }
    });
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(message_with(&found, "starts with").starts_with("key `/a` starts with `/`\nhelp:"));
    assert!(message_with(&found, "ends with").starts_with("key `a/` ends with `/`\nhelp:"));
    assert!(
        message_with(&found, "empty path segment")
            .ends_with("help: remove the extra `/`: write `a/b`")
    );
}

#[test]
fn empty_segment_where_prefix_meets_key_blames_the_key() {
    let found = messages(quote! {
        #[key_prefix = "climate/"]
        enum Key { #[key = "/reading"] Reading }
    });
    assert_eq!(
        found,
        [
            "key `climate//reading` (prefix `climate/` + `/reading`) has an empty path segment \
          (`//`)\nhelp: the prefix already ends with `/`, so drop the leading `/` here: write \
          `reading`"
        ]
    );
}

#[test]
fn prefix_rules() {
    let empty = messages(quote! { #[key_prefix = ""] enum Key { #[key = "a"] A } });
    assert_eq!(empty.len(), 1);
    assert!(empty[0].starts_with("empty key prefix\nhelp: remove"));

    let slashes = messages(quote! { #[key_prefix = "/a//"] enum Key { #[key = "b"] B } });
    assert_eq!(slashes.len(), 2, "{slashes:#?}");
    // Both helps suggest the fully repaired prefix, so following one does not trip the other.
    let leading = message_with(&slashes, "key prefix `/a//` starts with `/`");
    assert!(leading.ends_with("write `a/`"), "{leading}");
    let double = message_with(&slashes, "key prefix `/a//` has an empty path segment");
    assert!(double.ends_with("write `a/`"), "{double}");
}

#[test]
fn errors_come_in_source_order_with_each_note_after_its_error() {
    // Parsed from text, so tokens carry real line and column numbers.
    let input: TokenStream = "
        enum Key {
            #[key = \"a\"] A,
            #[key = \"b c\"] B,
            Missing,
            #[key = \"a\"] D(u8),
        }"
    .parse()
    .expect("tokens");
    let found = messages(input);
    let firsts: Vec<&str> = found.iter().map(|m| m.lines().next().unwrap()).collect();
    assert_eq!(
        firsts,
        [
            "invalid character `' '` in key `b c`",
            "variant `Missing` has no `#[key = \"...\"]`",
            "duplicate key `a`: variant `A` already has it",
            "key `a` is first used here, by variant `A`",
            "variant `D` has fields, but a key variant must be a unit variant",
        ]
    );
}

#[test]
fn fields_missing_keys_and_misplaced_attributes_are_all_reported_at_once() {
    let found = messages(quote! {
        #[key = "on-the-enum"]
        #[link_address = "mqtt://x"]
        enum Key {
            #[key = "a"] A(u8),
            #[key = "b"] B { x: u8 },
            RequestAutotuner,
            #[key_prefix = "p/"] #[key = "d"] D,
        }
    });
    assert_eq!(found.len(), 6, "{found:#?}");
    message_with(&found, "`#[key]` belongs on a variant, not on the enum");
    message_with(
        &found,
        "`#[link_address]` belongs on a variant, not on the enum",
    );
    message_with(
        &found,
        "variant `A` has fields, but a key variant must be a unit variant",
    );
    message_with(&found, "variant `B` has fields");
    let missing = message_with(&found, "has no `#[key");
    assert_eq!(
        missing,
        "variant `RequestAutotuner` has no `#[key = \"...\"]`\nhelp: add a key above the \
         variant, for example `#[key = \"request-autotuner\"]`"
    );
    message_with(
        &found,
        "`#[key_prefix]` belongs on the enum, not on a variant",
    );
}

#[test]
fn attribute_values_must_be_string_literals() {
    let found = messages(quote! {
        #[key_prefix = 7]
        enum Key {
            #[key] A,
            #[key("b")] B,
            #[key = 42] C,
            #[key = b"d"] D,
            #[key = SOME_CONST] E,
            #[key = "f"] #[link_address] F,
        }
    });
    assert_eq!(found.len(), 7, "{found:#?}");
    message_with(
        &found,
        "`#[key_prefix]` takes a string literal, found an integer",
    );
    message_with(&found, "`#[key]` needs a value\nhelp:");
    message_with(&found, "`#[key(...)]` is not a form `key` accepts");
    let int = message_with(&found, "`#[key]` takes a string literal, found an integer");
    assert!(int.ends_with("put it in double quotes: `#[key = \"42\"]`"));
    let bytes = message_with(&found, "found a byte string");
    assert!(bytes.ends_with("`#[key = \"d\"]`"));
    message_with(
        &found,
        "`#[key]` takes a string literal, found an expression",
    );
    message_with(&found, "`#[link_address]` needs a value");
}

#[test]
fn repeated_attributes_are_reported_on_the_second() {
    let found = messages(quote! {
        #[key_prefix = "a/"] #[key_prefix = "b/"]
        enum Key {
            #[key = "x"] #[key = "y"] #[link_address = "m://1"] #[link_address = "m://2"] X,
        }
    });
    assert_eq!(found.len(), 3, "{found:#?}");
    message_with(&found, "enum `Key` has more than one `#[key_prefix]`");
    message_with(&found, "variant `X` has more than one `#[key]`");
    message_with(&found, "variant `X` has more than one `#[link_address]`");
    // The first value wins, so the keys still come out as the first attribute says.
}

#[test]
fn non_enums_and_generic_enums_get_one_error_and_no_impl() {
    let found = messages(quote! { struct Key { a: u8 } });
    assert_eq!(
        found,
        [
            "`#[derive(RecordKey)]` needs an enum, but `Key` is a struct\nhelp: declare `Key` \
          as an enum of unit variants, each with a key: `enum Key { #[key = \"...\"] Variant }`"
        ]
    );
    let union = messages(quote! { union Key { a: u8 } });
    assert!(union[0].contains("but `Key` is a union"));

    let generic = quote! { enum Key<T> { #[key = "a"] A(T) } };
    let found = messages(generic.clone());
    assert_eq!(found.len(), 2, "{found:#?}");
    message_with(
        &found,
        "`RecordKey` cannot be derived for the generic enum `Key`",
    );
    let expanded = expand(generic).to_string();
    assert!(
        !expanded.contains("impl"),
        "no impl for a generic enum: {expanded}"
    );
}

#[test]
fn expand_keeps_the_impl_next_to_the_errors_so_uses_do_not_cascade() {
    let expanded = compact(&expand(quote! {
        enum Key {
            #[key = "a"] A(u8),
            Missing,
        }
    }));
    assert_eq!(expanded.matches("compile_error!").count(), 2, "{expanded}");
    assert!(expanded.contains("impl::aimdb::__private::aimdb_core::RecordKeyforKey"));
    assert!(expanded.contains("Self::A{..}=>\"a\","));
    assert!(expanded.contains("Self::Missing=>\"\","));
}

#[test]
fn unparsable_input_is_an_error_not_a_panic() {
    let found = messages(quote! { fn not_a_type() {} });
    assert_eq!(found.len(), 1);
}

#[test]
fn kebab_case_suggestions_follow_word_boundaries() {
    use super::parse::kebab_case;
    assert_eq!(kebab_case("RequestOperatorA"), "request-operator-a");
    assert_eq!(kebab_case("HTTPServer"), "http-server");
    assert_eq!(kebab_case("Zone2Reading"), "zone2-reading");
    assert_eq!(kebab_case("Applied"), "applied");
}

#[test]
fn a_literal_in_an_invisible_group_is_still_a_key() {
    // `macro_rules!` hands a `$key:literal` over wrapped in a group without delimiters;
    // syn looks through it, and this pins that the derive relies on it.
    use proc_macro2::{Delimiter, Group};
    let key = Group::new(Delimiter::None, quote!("zone-a/reading"));
    let code = compact(&derive(quote! { enum Key { #[key = #key] Reading } }).expect("valid"));
    assert!(
        code.contains("Self::Reading=>\"zone-a/reading\","),
        "{code}"
    );
}

#[test]
fn a_macro_call_as_a_value_is_named_as_such() {
    let found = messages(quote! { enum Key { #[key = concat!("a", "b")] A } });
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with("`#[key]` takes a string literal, found a macro call\nhelp:"));
}
