use super::*;

/// The messages of a node with one record configured by `chain`.
fn check(chain: &str) -> Vec<String> {
    messages(&diagnose(&node(chain)))
}

const LINK_FROM: &str =
    r#".link_from("mqtt://climate/zone-a/reading").with_deserializer_raw(Temperature::from_bytes)"#;

#[test]
fn the_seed_snippets_are_clean() {
    assert!(diagnose(SENSOR).is_empty());
    assert!(diagnose(DASHBOARD).is_empty());
}

#[test]
fn every_pair_of_producers_is_reported_at_the_second() {
    let source = ".source(read_temperature_loop)";
    let other = ".source(read_backup)";
    let serial = r#".link_from("serial://climate/zone-a/reading").with_deserializer_raw(Temperature::from_bytes)"#;
    let cases = [
        (
            format!("{source}{LINK_FROM}"),
            "`.source()` and `.link_from()` are mutually exclusive",
            ".link_from(\"mqtt://climate/zone-a/reading\")",
        ),
        (
            format!("{LINK_FROM}{source}"),
            "`.source()` and `.link_from()` are mutually exclusive",
            ".source(read_temperature_loop)",
        ),
        (
            format!("{source}{other}"),
            "two `.source()`s",
            ".source(read_backup)",
        ),
        (
            format!("{LINK_FROM}{serial}"),
            "two `.link_from()`s",
            ".link_from(\"serial://climate/zone-a/reading\")",
        ),
    ];
    for (producers, headline, second) in cases {
        let diagnostics = diagnose(&node(&format!(
            ".buffer(BufferCfg::SingleLatest){producers}.finish()"
        )));
        assert_eq!(
            diagnostics.len(),
            1,
            "{producers}: {:?}",
            messages(&diagnostics)
        );
        let d = &diagnostics[0];
        assert!(
            d.message.starts_with(&format!(
                "record `ClimateKey::Reading` has two producers ({headline}): this `{second}`"
            )),
            "{}",
            d.message
        );
        // The first producer is named and located, and a note points at it.
        assert!(d.message.contains(" at line 3, column "), "{}", d.message);
        assert_eq!(d.notes.len(), 1);
        assert!(d.notes[0].span.is_some());
        assert!(d.help.as_deref().unwrap().contains(".transform_join()"));
    }
}

#[test]
fn producers_across_two_configurations_of_one_key() {
    let text = r#"node n: tokio;
        b.configure::<Temperature>(ClimateKey::Reading, |r| r.buffer(BufferCfg::SingleLatest).source(f).finish());
        b.configure::<Humidity>(ClimateKey::Reading, |r| r.buffer(BufferCfg::SingleLatest).source(g).finish());"#;
    let found = messages(&diagnose(text));
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].starts_with(
        "record `ClimateKey::Reading` is configured twice in this node (first at line 2, column"
    ));
    assert!(found[1].starts_with("record `ClimateKey::Reading` is declared with two value types: `Humidity` here and `Temperature` at line 2"));
    assert!(found[2].starts_with("record `ClimateKey::Reading` has two producers (two `.source()`s): this `.source(g)` and `.source(f)` at line 2"));
}

#[test]
fn record_shape() {
    assert_eq!(
        check(".source(f).finish()"),
        ["record `ClimateKey::Reading` has no buffer"]
    );
    assert_eq!(
        check(".buffer(BufferCfg::SingleLatest).buffer(BufferCfg::Mailbox).source(f).finish()")[0],
        "record `ClimateKey::Reading` has two buffers (the first is at line 3, column 9)"
    );
    assert_eq!(
        check(".buffer(BufferCfg::SpmcRing { capacity: 0 }).source(f).finish()"),
        ["the ring of record `ClimateKey::Reading` has capacity 0 and could hold no value"]
    );
    assert_eq!(
        check(".buffer(BufferCfg::SingleLatest).source(f)"),
        ["the configuration of record `ClimateKey::Reading` does not end with `.finish()`"]
    );
    assert_eq!(
        check(".buffer(BufferCfg::SingleLatest).finish().source(f)"),
        ["`.source` comes after `.finish()`"]
    );
}

#[test]
fn misspelled_methods_get_a_suggestion_and_no_follow_up_noise() {
    let diagnostics = diagnose(&node(
        ".buffer(BufferCfg::SingleLatest).sorce(f).tap(g).finish()",
    ));
    // Only the typo: "read but not produced" stays quiet for a chain that was not understood.
    assert_eq!(
        messages(&diagnostics),
        ["unknown method `.sorce` in the configuration of record `ClimateKey::Reading`"]
    );
    assert_eq!(
        diagnostics[0].help.as_deref(),
        Some("did you mean `.source`?")
    );
}

#[test]
fn read_but_not_produced_suggests_a_close_key() {
    let text = r#"node n: tokio;
        b.configure::<T>(Key::Reading, |r| r.buffer(BufferCfg::SingleLatest).source(f).finish());
        b.configure::<T>(Key::Readings, |r| r.buffer(BufferCfg::SingleLatest).tap(g).finish());"#;
    let diagnostics = diagnose(text);
    assert_eq!(
        messages(&diagnostics),
        ["record `Key::Readings` is read by `.tap(g)` but nothing produces it"]
    );
    assert!(
        diagnostics[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("did you mean the record `Key::Reading`?")
    );
}

#[test]
fn links() {
    let ring = ".buffer(BufferCfg::SingleLatest).source(f)";
    let cases = [
        (
            r#".link_to("mqtt://a")"#,
            "`.link_to(\"mqtt://a\")` of record `ClimateKey::Reading` has no serializer",
        ),
        (
            r#".link_to("climate/a").with_serializer_raw(s)"#,
            "malformed link URL \"climate/a\": expected `scheme://address`",
        ),
        (
            r#".link_to("mqtt://").with_serializer_raw(s)"#,
            "link URL \"mqtt://\" has an empty address",
        ),
        (
            r#".link_to("mqt://a").with_serializer_raw(s)"#,
            "no connector handles the URL scheme `mqt`",
        ),
        (
            r#".link_to("mqtt://a").with_deserializer_raw(d)"#,
            "`.with_deserializer_raw` follows a `.link_to(..)`, which encodes what it sends",
        ),
        (
            r#".with_serializer_raw(s)"#,
            "`.with_serializer_raw` must directly follow the link it encodes for",
        ),
        (
            r#".link_to("mqtt://a").with_serializer_raw(s).with_serializer_raw(s)"#,
            "this link already has a serializer",
        ),
        (
            r#".link_to(ADDRESS).with_serializer_raw(s)"#,
            "`.link_to` takes the link URL as a string literal",
        ),
    ];
    for (link, message) in cases {
        assert_eq!(
            check(&format!("{ring}{link}.finish()")),
            [message],
            "{link}"
        );
    }
    let twice = check(&format!(
        r#"{ring}.link_to("mqtt://a").with_serializer_raw(s).link_to("mqtt://a").with_serializer_raw(s).finish()"#
    ));
    assert_eq!(twice.len(), 1);
    assert!(twice[0].starts_with("link \"mqtt://a\" is declared twice in this node (first by `.link_to(\"mqtt://a\")` at line 3"), "{}", twice[0]);
    let embassy = diagnose(
        &node(&format!(
            r#"{ring}.link_to("ws://a").with_serializer_raw(s).finish()"#
        ))
        .replace("tokio", "embassy"),
    );
    assert_eq!(
        messages(&embassy),
        ["the `ws` connector is not available on embassy"]
    );
    // The list comes from the scheme table, so a new scheme does not change this test.
    let on_embassy: Vec<_> = aimdb_core::address::SCHEMES
        .iter()
        .filter(|s| s.runtimes.contains(&"embassy"))
        .map(|s| s.name)
        .collect();
    assert!(on_embassy.starts_with(&["mqtt", "serial", "loopback"]));
    assert_eq!(
        embassy[0].help.as_deref(),
        Some(
            format!(
                "on embassy use one of: {}; or declare this link on a node whose runtime has `ws`",
                on_embassy.join(", ")
            )
            .as_str()
        )
    );
}

#[test]
fn every_error_is_collected_in_one_pass() {
    let text = r#"node n: tokio;
        b.configure::<T>(K::A, |r| r.buffer(BufferCfg::SpmcRing { capacity: 0 }).source(f).link_to("mqt://a"));
        b.configure::<T>(K::B, |r| r.tap(g).finish());"#;
    let found = messages(&diagnose(text));
    assert_eq!(
        found,
        [
            "the ring of record `K::A` has capacity 0 and could hold no value",
            "the configuration of record `K::A` does not end with `.finish()`",
            "record `K::B` has no buffer",
            "record `K::B` is read by `.tap(g)` but nothing produces it",
            "no connector handles the URL scheme `mqt`",
            "`.link_to(\"mqt://a\")` of record `K::A` has no serializer",
        ]
    );
}

#[test]
fn diagnostics_render_like_rustc() {
    let text = node(".buffer(BufferCfg::SingleLatest).sorce(f).finish()");
    let diagnostics = diagnose(&text);
    let rendered = diagnostics[0].render("climate.rs", &text);
    assert_eq!(
        rendered,
        "error: unknown method `.sorce` in the configuration of record `ClimateKey::Reading`\n \
         --> climate.rs:3:41\n  |\n3 |     reg.buffer(BufferCfg::SingleLatest).sorce(f).finish();\n  |                                         ^^^^^\n  = help: did you mean `.source`?\n"
    );
}

#[test]
fn a_nodes_stream_links_name_one_endpoint() {
    let ring = ".buffer(BufferCfg::SpmcRing { capacity: 16 }).source(read_temperature_loop)";
    let to = |url: &str| format!(r#".link_to("{url}").with_serializer_raw(s)"#);
    // Several links share one stream; links of other schemes do not count.
    let shared = check(&format!(
        "{ring}{}{}{}.finish()",
        to("tcp://127.0.0.1:7000/a"),
        to("tcp://127.0.0.1:7000/b"),
        to("uds:///run/x.sock#a"),
    ));
    assert!(shared.is_empty(), "{shared:?}");
    let two = check(&format!(
        "{ring}{}{}.finish()",
        to("tcp://127.0.0.1:7000/a"),
        to("tcp://127.0.0.1:7001/b"),
    ));
    assert_eq!(two.len(), 1, "{two:?}");
    assert!(
        two[0].starts_with("link \"tcp://127.0.0.1:7001/b\" is on the `tcp` endpoint `127.0.0.1:7001`, but this node's `tcp` links are on `127.0.0.1:7000`"),
        "{}",
        two[0]
    );
}
