//! Compile-fail cases of `#[derive(RecordKey)]`: each case's `.stderr` snapshot pins the
//! message and the span. Regenerate with `TRYBUILD=overwrite` and read every snapshot.

#[test]
fn record_key_compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/record_key/*.rs");
    cases.pass("ui/record_key/pass/*.rs");
}
