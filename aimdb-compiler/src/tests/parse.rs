use super::*;
use crate::model::{BufferKind, Codec, ProducerKind, Runtime};

#[test]
fn the_seed_sensor_parses_into_its_model() {
    let topology = parse_ok(SENSOR);
    assert_eq!(topology.node.name.text, "sensor");
    assert_eq!(topology.node.runtime, Runtime::Tokio);
    let [record] = topology.records.as_slice() else {
        panic!("one record")
    };
    assert_eq!(record.key.id, "ClimateKey::Reading");
    assert_eq!(record.value_type.text, "Temperature");
    assert!(matches!(
        record.buffers[0].kind,
        BufferKind::SpmcRing { capacity: 256, .. }
    ));
    assert_eq!(record.sources[0].function.text, "read_temperature_loop");
    let link = &record.links_to[0];
    assert_eq!(link.url.scheme.as_deref(), Some("mqtt"));
    assert_eq!(link.url.address, "climate/zone-a/reading");
    assert!(matches!(&link.serializer, Codec::Given(f) if f.text == "Temperature::to_bytes"));
    assert!(record.chain.is_some_and(|c| c.finish.is_some()));
    assert_eq!(topology.reader_count(record), 1);
}

#[test]
fn the_seed_dashboard_parses_into_its_model() {
    let topology = parse_ok(DASHBOARD);
    assert_eq!(topology.node.runtime, Runtime::Embassy);
    let record = &topology.records[0];
    assert!(matches!(record.buffers[0].kind, BufferKind::SingleLatest));
    assert_eq!(record.taps[0].function.text, "render_chart");
    assert!(
        matches!(&record.links_from[0].deserializer, Codec::Given(f) if f.text == "Temperature::from_bytes")
    );
    let producers = record.producers();
    assert_eq!(producers.len(), 1);
    assert_eq!(producers[0].kind, ProducerKind::LinkFrom);
}

#[test]
fn names_are_whatever_the_user_binds() {
    let topology = parse_ok(
        r#"node n: tokio;
        b.configure::<u32>("plain/key", |r| r.buffer(BufferCfg::Mailbox).source(f).tap(g).tap(h).finish());"#,
    );
    let record = &topology.records[0];
    assert_eq!(record.key.id, "\"plain/key\"");
    assert_eq!(record.taps.len(), 2);
    assert_eq!(topology.reader_count(record), 2);
}

#[test]
fn producers_are_ordered_as_written() {
    let parsed = crate::syntax::parse(
        node(r#".buffer(BufferCfg::SingleLatest).link_from("mqtt://a").with_deserializer_raw(d).source(f).finish()"#)
            .parse()
            .unwrap(),
    );
    let producers = parsed.topology.unwrap().records[0].producers();
    let kinds: Vec<_> = producers.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [ProducerKind::LinkFrom, ProducerKind::Source]);
}

#[test]
fn a_header_is_required_and_checked() {
    let without = diagnose("builder.configure::<T>(K::A, |reg| reg.finish());");
    assert_eq!(
        messages(&without),
        ["expected the node header `node NAME: RUNTIME;`, found `builder`"]
    );
    let misspelled = diagnose("node sensor: tokyo;");
    assert_eq!(messages(&misspelled), ["unknown runtime `tokyo`"]);
    assert_eq!(
        misspelled[0].help.as_deref(),
        Some("did you mean `tokio`? runtimes: tokio, embassy, wasm")
    );
    assert_eq!(
        messages(&diagnose("")),
        ["this topology has no node header"]
    );
}

#[test]
fn buffer_configurations() {
    let kinds = [
        (
            "BufferCfg::SpmcRng { capacity: 4 }",
            "unknown buffer kind `SpmcRng`",
        ),
        ("BufferCfg::SpmcRing", "`SpmcRing` needs its capacity"),
        (
            "BufferCfg::SpmcRing { capacity: N }",
            "the ring capacity must be an integer literal",
        ),
        (
            "BufferCfg::SpmcRing { capacty: 4 }",
            "unknown field `capacty`",
        ),
        (
            "BufferCfg::Mailbox { capacity: 4 }",
            "`Mailbox` takes no fields",
        ),
        ("Ring::New", "expected `BufferCfg::KIND`"),
    ];
    for (buffer, message) in kinds {
        let diagnostics = diagnose(&node(&format!(".buffer({buffer}).source(f).finish()")));
        assert_eq!(messages(&diagnostics), [message], "{buffer}");
    }
}
