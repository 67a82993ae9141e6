//! Whole-system checks: what no single node can see, checked over every node of a
//! topology file (after, and on top of, each node's own checks).
//!
//! - [`ownership`]: a key has one authoritative producer (`source`, transform or join)
//!   across all nodes;
//! - [`links`]: a link address is written (`link_to`) by exactly one node; every
//!   `link_from` address is written by some node of the file unless it is declared
//!   `external = true`; both ends of a link carry the same record type and agree on the codec;
//! - [`runtime`]: a node's runtime can run on its target (tokio needs an operating system).
//!   A connector the node's runtime cannot run is reported by the node's own link check,
//!   with a note naming the node.
//!
//! Every message names both nodes, points at the second place and notes the first, with a
//! `help:` that says the fix.

pub mod links;
pub mod ownership;
pub mod runtime;

use crate::diagnostic::Diagnostic;
use crate::file::System;

/// Check a whole system; an empty result means every cross-node rule holds.
pub fn check(system: &System) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    ownership::check(system, &mut diagnostics);
    links::check(system, &mut diagnostics);
    runtime::check(system, &mut diagnostics);
    diagnostics
}
