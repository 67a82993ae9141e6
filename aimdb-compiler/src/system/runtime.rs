//! A node's runtime must be able to run on its target: tokio needs an operating system, so
//! a bare-metal target triple (`thumbv7em-none-eabihf`: OS field `none`) takes embassy; a
//! browser node (`wasm`) is built for `wasm32-unknown-unknown` (wasm-bindgen) only.
//! (Whether the runtime has a connector for each link's scheme is the node's own link check,
//! which the file front end reports with a note naming the node.)

use crate::finding::{Ctxt, Finding};
use crate::model::{Runtime, System};

pub(super) fn check(system: &System, cx: &Ctxt) {
    for node in &system.nodes {
        let Some(target) = &node.target else {
            continue;
        };
        let wrong = match node.runtime() {
            Runtime::Tokio => bare_metal(&target.text),
            Runtime::Wasm => target.text != WASM_TARGET,
            Runtime::Embassy => false,
        };
        if wrong {
            cx.report(Finding::RuntimeTarget {
                node: node.name().to_owned(),
                runtime: node.runtime().name(),
                target: target.clone(),
                runtime_span: node.topology.node.runtime_span,
            });
        }
    }
}

pub use crate::model::WASM_TARGET;

/// A target triple whose OS field is `none` (or that names no OS at all, like
/// `thumbv7em-none-eabihf`, `riscv32imc-unknown-none-elf`).
pub fn bare_metal(target: &str) -> bool {
    target.split('-').any(|part| part == "none")
}

#[cfg(test)]
mod tests {
    #[test]
    fn bare_metal_targets() {
        assert!(super::bare_metal("thumbv7em-none-eabihf"));
        assert!(super::bare_metal("riscv32imc-unknown-none-elf"));
        assert!(!super::bare_metal("x86_64-unknown-linux-gnu"));
        assert!(!super::bare_metal("aarch64-apple-darwin"));
    }
}
