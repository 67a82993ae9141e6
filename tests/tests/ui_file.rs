//! `topology!(file = "..", node = "..")`: the file form of the macro. Compile-fail cases for
//! every whole-system check (broken copies of the shipped topologies under
//! `tests/topologies-broken/`), the file front end's own errors and errors about Rust items
//! named in the file; pass cases emit the shipped topologies' nodes and check their RAM
//! constants.
//!
//! The cases name their files as `$AIMDB_REPO/...`: trybuild builds them in a project of its
//! own, whose `CARGO_MANIFEST_DIR` is not this crate's. Regenerate snapshots with
//! `TRYBUILD=overwrite`, then read every changed `.stderr`.

#[test]
fn topology_file_ui() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let repo = repo.canonicalize().expect("the repository root");
    // SAFETY: this test binary runs this one test; nothing reads the environment concurrently.
    unsafe { std::env::set_var("AIMDB_REPO", &repo) };
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/file/fail/*.rs");
    cases.pass("ui/file/pass/*.rs");
}
