//! From a `DeriveInput` to the key enum model, reporting every malformed attribute and
//! variant rather than stopping at the first.

use proc_macro2::Span;
use syn::{Attribute, Data, DeriveInput, Expr, ExprLit, Fields, Ident, Lit, LitStr, Meta, Variant};

use super::diagnostics::Diagnostics;

/// An enum deriving `RecordKey`, as written.
pub struct KeyEnum {
    /// The enum's name.
    pub ident: Ident,
    /// `#[key_prefix = "..."]`, prepended verbatim to every variant's key.
    pub prefix: Option<LitStr>,
    /// The variants in declaration order.
    pub variants: Vec<KeyVariant>,
}

/// One variant of a key enum.
pub struct KeyVariant {
    /// The variant's name.
    pub ident: Ident,
    /// `#[key = "..."]`; `None` if missing or malformed (already reported).
    pub key: Option<LitStr>,
    /// `#[link_address = "..."]`, if given.
    pub link_address: Option<LitStr>,
    /// Whether the variant has fields (already reported); the emitted match still covers it
    /// so that a field error does not cascade into "trait not implemented" errors.
    pub has_fields: bool,
}

impl KeyEnum {
    /// The prefix text, `""` without `#[key_prefix]`.
    pub fn prefix_text(&self) -> String {
        self.prefix.as_ref().map(LitStr::value).unwrap_or_default()
    }

    /// The full key of `variant`: prefix, then the variant's own key.
    pub fn full_key(&self, variant: &KeyVariant) -> Option<String> {
        let key = variant.key.as_ref()?;
        Some(self.prefix_text() + &key.value())
    }
}

const KEY: &str = "key";
const KEY_PREFIX: &str = "key_prefix";
const LINK_ADDRESS: &str = "link_address";

/// Read `input` into a model. Returns `None` when no model can stand in for the input (not an
/// enum, or generic), in which case no impl is emitted, only the errors.
pub fn parse(input: &DeriveInput, diags: &mut Diagnostics) -> Option<KeyEnum> {
    let name = &input.ident;
    let data = match &input.data {
        Data::Enum(data) => data,
        Data::Struct(data) => {
            not_an_enum(diags, data.struct_token.span, name, "a struct");
            return None;
        }
        Data::Union(data) => {
            not_an_enum(diags, data.union_token.span, name, "a union");
            return None;
        }
    };

    let generic = !input.generics.params.is_empty();
    if generic {
        diags.error_spanned(
            &input.generics,
            &format!("`RecordKey` cannot be derived for the generic enum `{name}`"),
            "remove the generic parameters: a key is a `&'static str`, so a key enum has \
             nothing to be generic over",
        );
    }

    let mut prefix = None;
    for attr in &input.attrs {
        if attr.path().is_ident(KEY_PREFIX) {
            let value = string_value(attr, KEY_PREFIX, "climate/", diags);
            set_once(&mut prefix, value, attr, &format!("enum `{name}`"), diags);
        } else if attr.path().is_ident(KEY) {
            diags.error_spanned(
                attr,
                "`#[key]` belongs on a variant, not on the enum",
                "give each variant its own `#[key = \"...\"]`; to share a beginning, put \
                 `#[key_prefix = \"...\"]` on the enum",
            );
        } else if attr.path().is_ident(LINK_ADDRESS) {
            diags.error_spanned(
                attr,
                "`#[link_address]` belongs on a variant, not on the enum",
                "move it onto the variant whose record it links",
            );
        }
    }

    let variants = data
        .variants
        .iter()
        .map(|variant| parse_variant(variant, diags))
        .collect();

    (!generic).then(|| KeyEnum {
        ident: name.clone(),
        prefix,
        variants,
    })
}

fn not_an_enum(diags: &mut Diagnostics, span: Span, name: &Ident, found: &str) {
    diags.error(
        span,
        &format!("`#[derive(RecordKey)]` needs an enum, but `{name}` is {found}"),
        &format!(
            "declare `{name}` as an enum of unit variants, each with a key: \
             `enum {name} {{ #[key = \"...\"] Variant }}`"
        ),
    );
}

fn parse_variant(variant: &Variant, diags: &mut Diagnostics) -> KeyVariant {
    let name = &variant.ident;
    let owner = format!("variant `{name}`");
    let mut key = None;
    let mut link_address = None;
    for attr in &variant.attrs {
        if attr.path().is_ident(KEY) {
            let value = string_value(attr, KEY, "climate/zone-a/reading", diags);
            set_once(&mut key, value, attr, &owner, diags);
        } else if attr.path().is_ident(LINK_ADDRESS) {
            let value = string_value(attr, LINK_ADDRESS, "mqtt://climate/zone-a/reading", diags);
            set_once(&mut link_address, value, attr, &owner, diags);
        } else if attr.path().is_ident(KEY_PREFIX) {
            diags.error_spanned(
                attr,
                "`#[key_prefix]` belongs on the enum, not on a variant",
                "write the whole key in this variant's `#[key = \"...\"]`, or move \
                 `#[key_prefix]` above the enum to prefix every key",
            );
        }
    }

    let has_fields = !matches!(variant.fields, Fields::Unit);
    if has_fields {
        diags.error_spanned(
            &variant.fields,
            &format!("variant `{name}` has fields, but a key variant must be a unit variant"),
            "remove the fields: a key names a record, its values travel in the record's type",
        );
    }

    // A malformed `#[key]` was reported above; only a truly absent one is "missing".
    let has_key_attr = variant.attrs.iter().any(|attr| attr.path().is_ident(KEY));
    if !has_key_attr {
        diags.error(
            name.span(),
            &format!("variant `{name}` has no `#[key = \"...\"]`"),
            &format!(
                "add a key above the variant, for example `#[key = \"{}\"]`",
                kebab_case(&name.to_string())
            ),
        );
    }

    KeyVariant {
        ident: name.clone(),
        key,
        link_address,
        has_fields,
    }
}

/// Store `value` in `slot`, or report that `owner` already has this attribute.
fn set_once(
    slot: &mut Option<LitStr>,
    value: Option<LitStr>,
    attr: &Attribute,
    owner: &str,
    diags: &mut Diagnostics,
) {
    let name = attr_name(attr);
    if slot.is_some() {
        diags.error_spanned(
            attr,
            &format!("{owner} has more than one `#[{name}]`"),
            &format!("keep one `#[{name} = \"...\"]`"),
        );
    } else {
        *slot = value;
    }
}

fn attr_name(attr: &Attribute) -> String {
    attr.path()
        .get_ident()
        .map(Ident::to_string)
        .unwrap_or_default()
}

/// The string literal of `#[name = "..."]`, or an error saying what form is expected.
fn string_value(
    attr: &Attribute,
    name: &str,
    example: &str,
    diags: &mut Diagnostics,
) -> Option<LitStr> {
    let expected = format!("`#[{name} = \"{example}\"]`");
    let value = match &attr.meta {
        Meta::NameValue(pair) => &pair.value,
        Meta::Path(_) => {
            diags.error_spanned(
                attr,
                &format!("`#[{name}]` needs a value"),
                &format!("give it a string, for example {expected}"),
            );
            return None;
        }
        Meta::List(_) => {
            diags.error_spanned(
                attr,
                &format!("`#[{name}(...)]` is not a form `{name}` accepts"),
                &format!("write {expected}"),
            );
            return None;
        }
    };
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => Some(text.clone()),
        Expr::Lit(ExprLit { lit, .. }) => {
            let (kind, text) = describe_literal(lit);
            diags.error(
                lit.span(),
                &format!("`#[{name}]` takes a string literal, found {kind}"),
                &format!("put it in double quotes: `#[{name} = \"{text}\"]`"),
            );
            None
        }
        other => {
            let found = if matches!(other, Expr::Macro(_)) {
                "a macro call"
            } else {
                "an expression"
            };
            diags.error_spanned(
                other,
                &format!("`#[{name}]` takes a string literal, found {found}"),
                &format!(
                    "write the text itself, for example {expected}: it is checked while \
                     compiling, so it cannot come from a constant or a macro"
                ),
            );
            None
        }
    }
}

/// What kind of literal this is, and its text as a quoted string would hold it.
fn describe_literal(lit: &Lit) -> (&'static str, String) {
    match lit {
        Lit::Int(int) => ("an integer", int.base10_digits().to_owned()),
        Lit::Float(float) => ("a float", float.base10_digits().to_owned()),
        Lit::Bool(bool) => ("a boolean", bool.value.to_string()),
        Lit::Char(char) => ("a character", char.value().to_string()),
        Lit::ByteStr(bytes) => (
            "a byte string",
            String::from_utf8_lossy(&bytes.value()).into_owned(),
        ),
        Lit::Byte(byte) => ("a byte", char::from(byte.value()).to_string()),
        _ => ("a literal that is not a string", "...".to_owned()),
    }
}

/// `RequestOperatorA` -> `request-operator-a`: a key suggestion that already passes the
/// character check.
pub fn kebab_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (index, &ch) in chars.iter().enumerate() {
        if ch.is_ascii_uppercase() && index > 0 {
            // A word starts at `aB` or at the last capital of an acronym (`HTTPServer`).
            let prev = chars[index - 1];
            let next_lower = chars.get(index + 1).is_some_and(char::is_ascii_lowercase);
            let boundary = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower);
            if boundary && !out.ends_with('-') {
                out.push('-');
            }
        }
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// The span to report a problem with a variant's key on: its literal if there is one.
pub fn key_span(variant: &KeyVariant) -> Span {
    variant
        .key
        .as_ref()
        .map_or_else(|| variant.ident.span(), LitStr::span)
}
