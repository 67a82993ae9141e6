//! A node's runtime must be able to run on its target: tokio needs an operating system, so
//! a bare-metal target triple (`thumbv7em-none-eabihf`: OS field `none`) takes embassy; a
//! browser node (`wasm`) is built for `wasm32-unknown-unknown` (wasm-bindgen) only.
//! (Whether the runtime has a connector for each link's scheme is the node's own link check,
//! which the file front end reports with a note naming the node.)

use crate::diagnostic::Diagnostic;
use crate::model::Runtime;
use crate::model::System;

pub(super) fn check(system: &System, diagnostics: &mut Vec<Diagnostic>) {
    for node in &system.nodes {
        let Some(target) = &node.target else {
            continue;
        };
        if node.runtime() == Runtime::Tokio && bare_metal(&target.text) {
            diagnostics.push(
                Diagnostic::error(
                    target.span,
                    format!(
                        "node `{}` runs on tokio, which needs an operating system, but its target `{}` has none",
                        node.name(),
                        target.text
                    ),
                )
                .help("use `runtime = \"embassy\"` for a bare-metal target, or build the tokio node for a host target")
                .note_at(node.topology.node.runtime_span, format!("node `{}` chooses tokio here", node.name())),
            );
        }
        if node.runtime() == Runtime::Wasm && target.text != WASM_TARGET {
            diagnostics.push(
                Diagnostic::error(
                    target.span,
                    format!(
                        "node `{}` runs on wasm, a browser node built for `{WASM_TARGET}`, but its target is `{}`",
                        node.name(),
                        target.text
                    ),
                )
                .help(format!("write `target = \"{WASM_TARGET}\"`, or leave the target out"))
                .note_at(node.topology.node.runtime_span, format!("node `{}` chooses wasm here", node.name())),
            );
        }
    }
}

/// The one target a wasm node is built for (wasm-bindgen's).
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

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
