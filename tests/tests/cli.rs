//! The `aimdb` binary: `aimdb check` on the shipped topologies and on every broken copy under
//! `tests/topologies-broken/` (exit code, stdout, and stderr against the `.stderr` snapshot
//! next to each copy, plus the exact message of each whole-system check), usage errors.
//!
//! `AIMDB_BLESS=1` rewrites the snapshots; read every changed one.

mod cli_support;

use cli_support::{repo, run};

#[test]
fn shipped_topologies_check_clean() {
    let climate = run(&["check", "topologies/climate.toml"]);
    assert_eq!(climate.code, 0, "{}", climate.stderr);
    assert_eq!(climate.stderr, "");
    assert_eq!(
        climate.stdout,
        "topologies/climate.toml: ok — 3 nodes, 1 record declared, 3 used on nodes, 3 link ends\n  \
         node sensor (embassy, thumbv7em-none-eabihf): 1 record(s)\n  \
         node dashboard (tokio): 1 record(s)\n  \
         node browser (wasm, wasm32-unknown-unknown): 1 record(s)\n  \
         record reading (Temperature): contract d2660728cb357589 on postcard (pinned here; each node's build checks its type against it)\n"
    );
    let fleet = run(&["check", "topologies/fleet.toml"]);
    assert_eq!(fleet.code, 0, "{}", fleet.stderr);
    assert!(
        fleet
            .stdout
            .starts_with("topologies/fleet.toml: ok — 3 nodes, 2 records declared"),
        "{}",
        fleet.stdout
    );
    let setpoint = run(&["check", "topologies/setpoint.toml"]);
    assert_eq!(setpoint.code, 0, "{}", setpoint.stderr);
    assert!(
        setpoint
            .stdout
            .starts_with("topologies/setpoint.toml: ok — 4 nodes, 5 records declared"),
        "{}",
        setpoint.stdout
    );
    // Its requests are on postcard, unpinned: the constant each node emits is named.
    assert!(
        setpoint.stdout.contains(
            "  record request_autotuner (SetpointRequest): contract unpinned on postcard: the type's fingerprint is known once a node is built (autotuner::AUTOTUNER_FINGERPRINT, controller::AUTOTUNER_FINGERPRINT); pin it with `contract = \"...\"`\n"
        ),
        "{}",
        setpoint.stdout
    );
}

/// Each broken copy: the first error's exact message, and the whole stderr as a snapshot.
#[test]
fn broken_copies_fail_with_their_message() {
    let cases = [
        (
            "climate_two_producers",
            "error: record `climate/zone-a/reading` has two producers in this system: `source = \"read_temperature_loop\"` on node `backup` and `source = \"read_temperature_loop\"` on node `sensor`",
        ),
        (
            "climate_two_writers",
            "error: link address \"mqtt://climate/zone-a/reading\" is written by two nodes: `replay` (record `replayed`) and `sensor` (record `reading`)",
        ),
        (
            "climate_no_writer",
            "error: node `dashboard` reads \"mqtt://climate/zone-a/readng\" (record `reading`), but no node in this file writes it",
        ),
        (
            "climate_external_but_written",
            "error: node `dashboard` declares \"mqtt://climate/zone-a/reading\" external, but node `sensor` in this file writes it",
        ),
        (
            "climate_type_mismatch",
            "error: the ends of \"mqtt://climate/zone-a/reading\" carry different record types: node `dashboard` reads it into `Humidity` (record `humidity`), node `sensor` writes `Temperature` (record `reading`)",
        ),
        (
            "climate_codec_mismatch",
            "error: the ends of \"mqtt://climate/zone-a/reading\" do not agree on a codec: node `sensor` serializes with `Temperature::to_bytes`, node `dashboard` deserializes with `wire::decode_reading`",
        ),
        (
            "climate_codec_names",
            "error: the ends of \"mqtt://climate/zone-a/reading\" do not agree on a codec: node `sensor` writes it as codec \"le-f32\", node `dashboard` reads it as codec \"json\"",
        ),
        (
            "climate_tokio_on_mcu",
            "error: node `sensor` runs on tokio, which needs an operating system, but its target `thumbv7em-none-eabihf` has none",
        ),
        (
            "climate_connector_runtime",
            "error: the `ws` connector is not available on embassy",
        ),
        (
            "setpoint_two_producers",
            "error: record `setpoint/request/operator-a` has two producers in this system: `source = \"operator_b_requests\"` on node `console_b` and `source = \"operator_a_requests\"` on node `console_a`",
        ),
        (
            "setpoint_two_writers",
            "error: link address \"mqtt://setpoint/request/operator-a\" is written by two nodes: `autotuner` (record `request_autotuner`) and `console_a` (record `request_operator_a`)",
        ),
        (
            "setpoint_no_writer",
            "error: node `controller` reads \"mqtt://setpoint/request/auto-tuner\" (record `request_autotuner`), but no node in this file writes it",
        ),
        (
            "climate_toml_syntax",
            "error: invalid TOML: invalid basic string, expected `\"`",
        ),
        ("climate_unknown_field", "error: unknown runtime \"tokyo\""),
        (
            "climate_two_writers_options",
            "error: link address \"mqtt://climate/zone-a/reading?qos=0\" is written by two nodes: `replay` (record `replayed`) and `sensor` (record `reading`); \"mqtt://climate/zone-a/reading?qos=0\" is the address \"mqtt://climate/zone-a/reading\": options do not make another address",
        ),
        (
            "climate_qos_conflict",
            "error: the ends of \"mqtt://climate/zone-a/reading\" contradict each other on `qos`: node `dashboard` reads \"mqtt://climate/zone-a/reading?qos=1&retain=true\", node `sensor` writes \"mqtt://climate/zone-a/reading?qos=0\"",
        ),
        (
            "climate_misspelled_fields",
            "error: unknown field `serialiser` in a `link_to` of record `reading` of node `sensor`",
        ),
        (
            "climate_bad_node_name",
            "error: the node name `sen-sor` is not a Rust identifier",
        ),
        (
            "climate_read_not_observed",
            "error: record `climate/zone-a/reading` is read by `taps = [\"render_chart\"]` but nothing produces it",
        ),
        (
            "climate_bad_address",
            "error: invalid link URL \"mqtt://climate/+/reading\": `climate/+/reading` is a topic filter; a link_to publishes to one topic, so `+` and `#` are allowed only in a link_from",
        ),
        (
            "fleet_shared_address",
            "error: every `sensor` instance would write \"mqtt://climate/reading\": `sensor[zone-a]` and `sensor[zone-b]` collide on one address",
        ),
        (
            "fleet_shared_key",
            "error: node `sensor` has 2 instances, but the key \"climate/reading\" of the record it produces has no `{instance}`: every `sensor` instance would produce it (`sensor[zone-a]` and `sensor[zone-b]`)",
        ),
        (
            "fleet_unknown_placeholder",
            "error: unknown placeholder `{zone}` in \"mqtt://climate/{zone}/reading\"",
        ),
        (
            "fleet_family_transform",
            "error: the family \"climate/{instance}/reading\" is the input of a transform on node `dashboard`: a transform over a family is not supported yet",
        ),
        (
            "fleet_family_one_address",
            "error: \"mqtt://climate/zone-a/reading\" carries the family \"climate/{instance}/reading\" of node `sensor`'s 3 instances, but the address has no `{instance}`",
        ),
        (
            "climate_bad_rust",
            "error: \"Temperature<\" is not a Rust type: unexpected end of input, expected one of: `for`, parentheses, `fn`, `unsafe`, `extern`, identifier, `::`, `<`, `dyn`, square brackets, `*`, `&`, `!`, `impl`, `_`, lifetime",
        ),
    ];
    // Every broken file is a case: a new one cannot be added without its first line.
    let listed: std::collections::BTreeSet<&str> = cases.iter().map(|(name, _)| *name).collect();
    let mut unlisted = Vec::new();
    for entry in std::fs::read_dir(repo().join("tests/topologies-broken")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let passes = name == "external_ok";
        if path.extension().is_some_and(|e| e == "toml")
            && !passes
            && !listed.contains(name.as_str())
        {
            unlisted.push(name);
        }
    }
    assert!(
        unlisted.is_empty(),
        "broken files without a case here: {unlisted:?}"
    );
    let bless = std::env::var_os("AIMDB_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, first_line) in cases {
        let file = format!("tests/topologies-broken/{name}.toml");
        let out = run(&["check", &file]);
        assert_eq!(out.code, 1, "{name}: exit code\n{}", out.stderr);
        assert_eq!(out.stdout, "", "{name}: nothing on stdout");
        assert_eq!(
            out.stderr.lines().next(),
            Some(first_line),
            "{name}:\n{}",
            out.stderr
        );
        // rustc-style: the place, the quoted line, the help.
        assert!(
            out.stderr.contains(&format!("--> {file}:")),
            "{name}:\n{}",
            out.stderr
        );
        assert!(out.stderr.contains("= help: "), "{name}:\n{}", out.stderr);
        let snapshot = repo().join(format!("tests/topologies-broken/{name}.stderr"));
        if bless {
            std::fs::write(&snapshot, &out.stderr).expect("write the snapshot");
        } else if std::fs::read_to_string(&snapshot).ok().as_deref() != Some(&out.stderr) {
            stale.push(format!(
                "{name}: stderr differs from {}:\n{}",
                snapshot.display(),
                out.stderr
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "{}\n(AIMDB_BLESS=1 rewrites the snapshots)",
        stale.join("\n")
    );
}

#[test]
fn every_error_is_printed_and_counted() {
    let out = run(&["check", "tests/topologies-broken/setpoint_two_writers.toml"]);
    assert_eq!(out.code, 1);
    let errors: Vec<_> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 3, "{}", out.stderr);
    assert_eq!(
        errors[2],
        "error: `tests/topologies-broken/setpoint_two_writers.toml` has 2 errors"
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["frobnicate"],
        &["check"],
        &["graph", "x.toml", "--format", "png"],
    ] {
        let out = run(args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        // clap's usage error, or with no command the help listing the commands.
        assert!(
            out.stderr.contains("For more information, try '--help'.")
                || out.stderr.contains("Usage: aimdb <COMMAND>"),
            "{args:?}: {}",
            out.stderr
        );
    }
    let unknown = run(&["graph", "x.toml", "--format", "png"]);
    assert!(
        unknown
            .stderr
            .contains("invalid value 'png' for '--format <FORMAT>'"),
        "{}",
        unknown.stderr
    );
    let help = run(&["--help"]);
    assert_eq!(help.code, 0);
    for command in ["check", "graph", "acl"] {
        assert!(help.stdout.contains(command), "{}", help.stdout);
    }
    let missing = run(&["check", "no/such/file.toml"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .starts_with("error: cannot read `no/such/file.toml`: "),
        "{}",
        missing.stderr
    );
}
