//! Transforms and joins through parse, check and emit, without rustc.

use super::*;
use crate::model::{HandlerKind, TransformKind};

const ARBITER: &str = r#"
    node plant: tokio;
    builder.configure::<SetpointRequest>(SetpointKey::RequestOperatorA, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 4 }).source(a).finish();
    });
    builder.configure::<SetpointRequest>(SetpointKey::RequestAutotuner, |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(t).tap(log).finish();
    });
    builder.configure::<SetpointApplied>(SetpointKey::Applied, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(apply_setpoint)
            .transform_join(|b| {
                b.input::<SetpointRequest>(SetpointKey::RequestOperatorA)
                    .input(SetpointKey::RequestAutotuner)
                    .on_triggers(handle)
            })
            .finish();
    });
"#;

#[test]
fn a_join_parses_into_inputs_and_a_handler() {
    let topology = parse_ok(ARBITER);
    let applied = &topology.records[2];
    let [join] = applied.transforms.as_slice() else {
        panic!("one transform")
    };
    assert_eq!(join.kind, TransformKind::Join);
    let keys: Vec<_> = join.inputs.iter().map(|i| i.key.id.as_str()).collect();
    assert_eq!(
        keys,
        [
            "SetpointKey::RequestOperatorA",
            "SetpointKey::RequestAutotuner"
        ]
    );
    assert_eq!(
        join.inputs[0].value_type.as_ref().map(|t| t.text.as_str()),
        Some("SetpointRequest")
    );
    assert!(join.inputs[1].value_type.is_none());
    let handler = join.handler.as_ref().expect("a handler");
    assert_eq!(handler.kind, HandlerKind::OnTriggers);
    assert_eq!(handler.function.text, "handle");
    // Inputs are readers: the autotuner's tap and the join.
    assert_eq!(topology.reader_count(&topology.records[0]), 1);
    assert_eq!(topology.reader_count(&topology.records[1]), 2);
}

#[test]
fn a_join_emits_its_enum_consumers_and_task() {
    let code = crate::compile(ARBITER.parse().unwrap())
        .expect("compiles")
        .to_string();
    for item in [
        "pub enum AppliedInput",
        "RequestOperatorA (SetpointRequest)",
        "pub struct AppliedInputs",
        "pub type AppliedRx",
        "AsInput < SetpointRequest > for AppliedInput",
        "run_join_send",
    ] {
        assert!(code.contains(item), "missing `{item}`");
    }
    // One AsInput impl for the one distinct input type.
    assert_eq!(code.matches("join :: AsInput <").count(), 1);
}

#[test]
fn a_cycle_is_listed_key_by_key_from_its_first_record() {
    let diagnostics = diagnose(
        r#"node n: tokio;
        b.configure::<u32>("x", |r| r.buffer(BufferCfg::SingleLatest).source(s).finish());
        b.configure::<u32>("a", |r| r.buffer(BufferCfg::SingleLatest).transform("c", |b| b.map(f)).finish());
        b.configure::<u32>("b", |r| r.buffer(BufferCfg::SingleLatest).transform_join(|j| j.input::<u32>("a").input::<u32>("x").on_triggers(h)).finish());
        b.configure::<u32>("c", |r| r.buffer(BufferCfg::SingleLatest).transform("b", |b| b.map(f)).finish());"#,
    );
    // `b` reads `a`, `c` reads `b`, `a` reads `c`; `x` feeds in from outside the cycle.
    assert_eq!(
        messages(&diagnostics),
        [r#"transforms form a cycle: "a" -> "b" -> "c" -> "a""#]
    );
}

#[test]
fn inputs_are_checked_against_the_records() {
    let diagnostics = diagnose(
        r#"node n: tokio;
        b.configure::<u32>("reading", |r| r.buffer(BufferCfg::SingleLatest).source(s).finish());
        b.configure::<u32>("out", |r| r.buffer(BufferCfg::SingleLatest).transform_join(|j| j
            .input::<u32>("readng").input::<i64>("reading").input::<u32>("reading").on_triggers(h)).finish());
        b.configure::<u32>("none", |r| r.buffer(BufferCfg::SingleLatest).transform_join(|j| j.on_triggers(h)).finish());"#,
    );
    let messages = messages(&diagnostics);
    assert_eq!(messages.len(), 4, "{messages:#?}");
    assert!(messages[0].contains(r#"reads `"readng"`, but no record"#));
    // `reading` is already an input of this join: suggesting it would not fix anything.
    assert!(
        !diagnostics[0]
            .help
            .as_deref()
            .unwrap()
            .contains("did you mean"),
        "{:?}",
        diagnostics[0].help
    );
    assert!(messages[1].contains("is declared as `i64`, but the record is `u32`"));
    assert!(messages[2].contains("twice"));
    assert_eq!(messages[3], r#"the join producing `"none"` has no inputs"#);
}

#[test]
fn a_join_input_suggestion_fits_the_type_and_is_not_already_an_input() {
    let diagnostics = diagnose(
        r#"node n: tokio;
        b.configure::<u32>("temp", |r| r.buffer(BufferCfg::SingleLatest).source(s).finish());
        b.configure::<i64>("tmpe", |r| r.buffer(BufferCfg::SingleLatest).source(s).finish());
        b.configure::<u32>("out", |r| r.buffer(BufferCfg::SingleLatest).transform_join(|j| j
            .input::<u32>("tmep").on_triggers(h)).finish());"#,
    );
    assert_eq!(diagnostics.len(), 1, "{:#?}", messages(&diagnostics));
    // `tmpe` is as close but an `i64`; `temp` is one transposition away and a `u32`.
    assert!(
        diagnostics[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with(r#"did you mean `"temp"`?"#),
        "{:?}",
        diagnostics[0].help
    );
}
