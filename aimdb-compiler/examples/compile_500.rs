//! How long the topology compiler takes for a node of 500 records.
//!
//! `cargo run --release -p aimdb-compiler --example compile_500` generates a topology of 500
//! records (rings with a source, a tap and an outbound link; single-latest records observed
//! through an inbound link and tapped; mailboxes), then times parse, check and emit
//! separately (best of several runs, so a cold cache does not count) and in total.
//! The bar is 100 ms in total.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

const RECORDS: usize = 500;
const RUNS: usize = 10;

/// A node of `RECORDS` records in the `topology!{}` grammar.
fn topology() -> String {
    let mut text = String::from("node plant: tokio;\n");
    for i in 0..RECORDS {
        let chain = match i % 3 {
            0 => format!(
                "reg.buffer(BufferCfg::SpmcRing {{ capacity: 64 }}).source(read_{i}).tap(show_{i})\
                 .link_to(\"mqtt://plant/record-{i}\").with_serializer_raw(Value::to_bytes).finish()"
            ),
            1 => format!(
                "reg.buffer(BufferCfg::SingleLatest).tap(show_{i})\
                 .link_from(\"mqtt://remote/record-{i}\").with_deserializer_raw(Value::from_bytes).finish()"
            ),
            _ => format!("reg.buffer(BufferCfg::Mailbox).source(read_{i}).tap(show_{i}).finish()"),
        };
        let _ = writeln!(
            text,
            "builder.configure::<Value>(PlantKey::Record{i}, |reg| {{ {chain}; }});"
        );
    }
    text
}

fn best(mut f: impl FnMut() -> Duration) -> Duration {
    (0..RUNS).map(|_| f()).min().unwrap_or_default()
}

fn main() {
    let text = topology();
    let tokens: proc_macro2::TokenStream = text.parse().expect("the generated topology tokenizes");

    let parse = best(|| {
        let start = Instant::now();
        let parsed = aimdb_compiler::syntax::parse(tokens.clone());
        let elapsed = start.elapsed();
        assert!(parsed.diagnostics.is_empty());
        elapsed
    });
    let topology = aimdb_compiler::syntax::parse(tokens.clone())
        .topology
        .expect("a model");
    assert_eq!(topology.records.len(), RECORDS);
    let check = best(|| {
        let start = Instant::now();
        let diagnostics = aimdb_compiler::check::check(&topology);
        let elapsed = start.elapsed();
        assert!(diagnostics.is_empty(), "{:?}", diagnostics.first());
        elapsed
    });
    let mut emitted_len = 0;
    let emit = best(|| {
        let start = Instant::now();
        let code = aimdb_compiler::codegen::emit(&topology);
        let elapsed = start.elapsed();
        emitted_len = code.to_string().len();
        elapsed
    });
    let total = best(|| {
        let start = Instant::now();
        let code = aimdb_compiler::compile(tokens.clone()).expect("compiles");
        let elapsed = start.elapsed();
        drop(code);
        elapsed
    });
    println!(
        "topology of {RECORDS} records ({} bytes of input, {emitted_len} bytes emitted), best of {RUNS}:",
        text.len()
    );
    println!("  parse  {:>8.2} ms", parse.as_secs_f64() * 1e3);
    println!("  check  {:>8.2} ms", check.as_secs_f64() * 1e3);
    println!("  emit   {:>8.2} ms", emit.as_secs_f64() * 1e3);
    println!(
        "  total  {:>8.2} ms (parse + check + emit in one pipeline run; bar: 100 ms)",
        total.as_secs_f64() * 1e3
    );
    assert!(total < Duration::from_millis(100), "over the 100 ms bar");
}
