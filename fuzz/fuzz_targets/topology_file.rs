//! Arbitrary text as a topology file, through the entries the CLI and the macro use:
//! `check_file` (every per-node check and the whole-system checks), rendering every
//! diagnostic as `aimdb check` prints it, the graph reports of a clean system, and
//! `topology!(file = .., node = ..)` for each node (from a scratch file), whose generated
//! code must be valid Rust.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use aimdb_compiler::check_file;
use aimdb_compiler::report;
use libfuzzer_sys::fuzz_target;
use quote_free::file_form;

/// The scratch file `expand_topology` reads; one per fuzzing process.
fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = std::env::var_os("TMPDIR").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
        dir.join(format!("aimdb-fuzz-topology-{}.toml", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let (system, diagnostics) = check_file(source);
    for diagnostic in &diagnostics {
        let text = diagnostic.render("fuzz.toml", source);
        assert!(!text.is_empty());
    }
    if let (Some(system), true) = (system, diagnostics.is_empty()) {
        let _ = report::mermaid::render(&system);
        let _ = report::dot::render(&system);
        std::fs::write(scratch(), source).expect("scratch file");
        // A handful of nodes is enough; each is a whole compile.
        for node in system.nodes.iter().take(4) {
            let code = aimdb_compiler::expand_topology(file_form(scratch(), node.name()));
            if let Err(error) = syn::parse2::<syn::File>(code.clone()) {
                panic!(
                    "generated code for node `{}` does not parse: {error}\n{code}",
                    node.name()
                );
            }
        }
    }
    // proc-macro2 keeps every parsed text for span locations; free it between inputs.
    proc_macro2::extra::invalidate_current_thread_spans();
});

mod quote_free {
    use std::path::Path;
    use std::str::FromStr;

    use proc_macro2::TokenStream;

    /// `file = "PATH", node = "NAME"` as the macro receives it (names are escaped).
    pub fn file_form(path: &Path, node: &str) -> TokenStream {
        let text = format!("file = {:?}, node = {:?}", path.to_string_lossy(), node);
        TokenStream::from_str(&text).expect("string literals tokenize")
    }
}
