//! The topology-file front end: one TOML file describes every node of a system.
//!
//! ```toml
//! [records.reading]                       # a record: its key and Rust value type
//! key = "climate/zone-a/reading"
//! type = "Temperature"
//!
//! [nodes.sensor]                          # a node: runtime and (optional) target triple
//! runtime = "embassy"
//! target = "thumbv7em-none-eabihf"
//!
//! [nodes.sensor.records.reading]          # what the node does with the record
//! buffer = { kind = "SpmcRing", capacity = 256 }
//! source = "read_temperature_loop"
//! link_to = [{ url = "mqtt://climate/zone-a/reading", serializer = "Temperature::to_bytes" }]
//! ```
//!
//! The file is parsed into one [`Topology`](crate::model::Topology) per node (the same
//! model the `topology!{}` token grammar fills), every element carrying a
//! [`Span::Text`](crate::diagnostic::Span::Text) into the file, plus the facts only a file
//! has: the records' names and keys as strings, each link's codec name and `external` flag.
//! The file front end only reads: [`crate::check_file`] runs every per-node check and the
//! [whole-system checks](crate::system) over what it read; [`macro_form`] reads the
//! `topology!(file = "..", node = "..")` arguments and the file for the pipeline.
//! The format's reference page is `docs/topology-file.md`.

mod families;
mod instances;
mod located;
pub use instances::MAX_INSTANCES;
pub mod macro_form;
mod node_record;
mod nodes;
mod reader;
mod records;
mod rust;
mod schema;
mod transforms;

use crate::diagnostic::Diagnostic;
use crate::model::System;

/// What reading a file produced: the system if the file was readable TOML of the right
/// shape, and every diagnostic found on the way (the system may still be checked).
#[derive(Debug)]
pub struct Parsed {
    /// The system, when the file could be read.
    pub system: Option<System>,
    /// Errors found while reading.
    pub diagnostics: Vec<Diagnostic>,
}

/// Read a topology file's text into a [`System`].
pub fn parse(source: &str) -> Parsed {
    schema::parse(source)
}

#[cfg(test)]
mod instance_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod words_tests;
