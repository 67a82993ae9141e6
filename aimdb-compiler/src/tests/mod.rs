//! Unit tests of the pipeline that run without rustc: parse a topology from text, check it,
//! look at the model, the diagnostics and the emitted code.

mod checks;
mod emit;
mod joins;
mod parse;
mod topologies;

use crate::diagnostic::Diagnostic;
use crate::model::Topology;

/// The seed's sensor snippet, with its header.
pub const SENSOR: &str = r#"
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 256 })
            .source(read_temperature_loop)
            .link_to("mqtt://climate/zone-a/reading") // I produce this
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
"#;

/// The seed's dashboard snippet, with its header.
pub const DASHBOARD: &str = r#"
    node dashboard: embassy;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(render_chart)
            .link_from("mqtt://climate/zone-a/reading") // I observe what's produced elsewhere
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
"#;

/// Parse `text`, which must parse without errors.
pub fn parse_ok(text: &str) -> Topology {
    let parsed = crate::syntax::parse(text.parse().expect("tokens"));
    assert!(
        parsed.diagnostics.is_empty(),
        "{:?}",
        messages(&parsed.diagnostics)
    );
    parsed.topology.expect("a model")
}

/// Every diagnostic of parse + check, as `message` strings.
pub fn diagnose(text: &str) -> Vec<Diagnostic> {
    match crate::compile(text.parse().expect("tokens")) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics,
    }
}

pub fn messages(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics.iter().map(|d| d.message.clone()).collect()
}

/// The single record configuration of a node wrapped around `chain` (`reg` receiver).
pub fn node(chain: &str) -> String {
    format!(
        "node sensor: tokio;\nbuilder.configure::<Temperature>(ClimateKey::Reading, |reg| {{\n    reg{chain};\n}});\n"
    )
}
