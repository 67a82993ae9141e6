//! The builder chain's vocabulary in one table: every method a record's chain accepts, how
//! many arguments it takes and how to say so. Parsing, the arity check, "did you mean" and
//! the list in the unknown-method help all read [`METHODS`], so a new method is one row.

/// A method of a record's chain, `REG.buffer(..).source(f)...finish()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `.buffer(BufferCfg::..)`
    Buffer,
    /// `.source(f)`
    Source,
    /// `.source_handle()`
    SourceHandle,
    /// `.tap(f)`
    Tap,
    /// `.link_to(url)`
    LinkTo,
    /// `.with_serializer_raw(f)`
    WithSerializerRaw,
    /// `.link_from(url)`
    LinkFrom,
    /// `.with_deserializer_raw(f)`
    WithDeserializerRaw,
    /// `.with_codec(aimdb::codec::..)`
    WithCodec,
    /// `.accepts::<Older>()`
    Accepts,
    /// `.contract("fingerprint")`
    Contract,
    /// `.transform(INPUT_KEY, |b| ..)`
    Transform,
    /// `.transform_join(|b| ..)`
    TransformJoin,
    /// `.finish()`
    Finish,
}

/// One row of the vocabulary.
pub struct MethodSpec {
    /// Which method.
    pub method: Method,
    /// Its name as written after the dot.
    pub name: &'static str,
    /// How many arguments it takes.
    pub arity: usize,
    /// What those arguments are, for "`.NAME` takes ..., found N arguments".
    pub arguments: &'static str,
}

const A_FUNCTION: &str = "one argument, a function";

/// Every method of a record's chain, in the order a chain usually uses them.
pub const METHODS: [MethodSpec; 14] = [
    row(
        Method::Buffer,
        "buffer",
        1,
        "one argument, the buffer configuration",
    ),
    row(Method::Source, "source", 1, A_FUNCTION),
    row(Method::SourceHandle, "source_handle", 0, "no arguments"),
    row(Method::Tap, "tap", 1, A_FUNCTION),
    row(Method::LinkTo, "link_to", 1, "one argument, the link URL"),
    row(
        Method::WithSerializerRaw,
        "with_serializer_raw",
        1,
        A_FUNCTION,
    ),
    row(
        Method::LinkFrom,
        "link_from",
        1,
        "one argument, the link URL",
    ),
    row(
        Method::WithDeserializerRaw,
        "with_deserializer_raw",
        1,
        A_FUNCTION,
    ),
    row(Method::WithCodec, "with_codec", 1, A_FUNCTION),
    row(
        Method::Accepts,
        "accepts",
        0,
        "no arguments, only the older type: `.accepts::<TemperatureV1>()`",
    ),
    row(
        Method::Contract,
        "contract",
        1,
        "one argument, the fingerprint",
    ),
    row(
        Method::Transform,
        "transform",
        2,
        "two arguments, the input key and the builder closure",
    ),
    row(
        Method::TransformJoin,
        "transform_join",
        1,
        "one argument, the builder closure",
    ),
    row(Method::Finish, "finish", 0, "no arguments"),
];

/// What a record's chain may use, for the help of an unknown method.
pub const CHAIN_SUMMARY: &str = "a record's chain uses: buffer, source, source_handle, tap, link_to + with_serializer_raw or with_codec, link_from + with_deserializer_raw or with_codec, transform, transform_join, accepts, contract, finish";

const fn row(
    method: Method,
    name: &'static str,
    arity: usize,
    arguments: &'static str,
) -> MethodSpec {
    MethodSpec {
        method,
        name,
        arity,
        arguments,
    }
}

impl Method {
    /// The method called `name`, if the chain has one.
    pub fn parse(name: &str) -> Option<Method> {
        METHODS
            .iter()
            .find(|spec| spec.name == name)
            .map(|spec| spec.method)
    }

    /// Its row in [`METHODS`].
    pub fn spec(self) -> &'static MethodSpec {
        // Every variant has a row (the table test checks it).
        METHODS
            .iter()
            .find(|spec| spec.method == self)
            .unwrap_or(&METHODS[0])
    }

    /// Every method's name, for did-you-mean.
    pub fn names() -> impl Iterator<Item = &'static str> {
        METHODS.iter().map(|spec| spec.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_has_one_row_and_its_name_parses_back() {
        for spec in &METHODS {
            assert_eq!(Method::parse(spec.name), Some(spec.method));
            assert_eq!(spec.method.spec().name, spec.name);
            assert_eq!(
                METHODS.iter().filter(|s| s.method == spec.method).count(),
                1
            );
        }
        assert_eq!(Method::parse("configure"), None);
        assert_eq!(Method::parse("sorce"), None);
    }
}
