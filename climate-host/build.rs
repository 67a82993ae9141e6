//! The systems' pictures, rendered from their topology files at build time: the dashboard
//! and the fleet overview serve them at `/graph` without linking the compiler into a node.

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (file, picture) in [
        ("../topologies/climate.toml", "climate-graph.json"),
        ("../topologies/fleet.toml", "fleet-graph.json"),
    ] {
        println!("cargo:rerun-if-changed={file}");
        let source = std::fs::read_to_string(file).expect("the topology file is readable");
        let (system, diagnostics) = aimdb_compiler::check_file(&source);
        // The node's own `topology!(file = ..)` reports any error in the file with its
        // place; here it is enough not to draw a broken system.
        let graph = match system {
            Some(system) if diagnostics.is_empty() => aimdb_compiler::report::json::render(&system),
            _ => r#"{"nodes":[],"outside":[],"edges":[]}"#.to_owned(),
        };
        std::fs::write(out.join(picture), graph).expect("OUT_DIR is writable");
    }
}
