//! Puts the board's `memory.x` and `device.x` where cortex-m-rt's `link.x` finds them.
//!
//! The memory map and the interrupt table are properties of the board, so they live here
//! rather than in every firmware crate.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts"));
    for script in ["memory.x", "device.x"] {
        fs::copy(script, out.join(script))
            .unwrap_or_else(|e| panic!("copying {script} into OUT_DIR: {e}"));
        println!("cargo:rerun-if-changed={script}");
    }
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=build.rs");
}
