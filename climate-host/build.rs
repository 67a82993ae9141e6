//! The climate system's picture, rendered from the topology file at build time: the
//! dashboard serves it at `/graph` without linking the compiler into the node.

use std::path::PathBuf;

fn main() {
    let file = "../topologies/climate.toml";
    println!("cargo:rerun-if-changed={file}");
    let source = std::fs::read_to_string(file).expect("topologies/climate.toml is readable");
    let (system, diagnostics) = aimdb_compiler::file::check_source(&source);
    // The dashboard's own `topology!(file = ..)` reports any error in the file with its
    // place; here it is enough not to draw a broken system.
    let graph = match system {
        Some(system) if diagnostics.is_empty() => aimdb_compiler::report::json::render(&system),
        _ => r#"{"nodes":[],"outside":[],"edges":[]}"#.to_owned(),
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("climate-graph.json"), graph).expect("OUT_DIR is writable");
}
