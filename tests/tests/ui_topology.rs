//! The `topology!{}` compile-fail suite: one case per error class, each `.stderr` checked
//! for the message and the span; plus compile-pass cases (the seed's snippets on both
//! runtimes, every buffer kind, closures, string keys).
//!
//! Regenerate snapshots with `TRYBUILD=overwrite`, then read every changed `.stderr`.

#[test]
fn topology_ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/topology/fail/*.rs");
    cases.pass("ui/topology/pass/*.rs");
}
