use super::*;

fn emitted(text: &str) -> String {
    let code =
        crate::compile(text.parse().unwrap()).unwrap_or_else(|d| panic!("{:?}", messages(&d)));
    // Compared without whitespace: the assertions are about tokens, not layout.
    crate::dump::pretty(&code).split_whitespace().collect()
}

/// `text` without whitespace, to compare with [`emitted`].
fn tokens(text: &str) -> String {
    text.split_whitespace().collect()
}

#[test]
fn the_sensor_node_emits_its_buffer_link_task_and_claims() {
    let code = emitted(SENSOR);
    assert!(code.contains(&tokens("pub mod sensor {")), "{code}");
    assert!(
        code.contains(&tokens(
            "static __AIMDB_BUFFER_READING: ::aimdb::__private::aimdb_core::SpmcRing<"
        )),
        "{code}"
    );
    // Outside the node a record is read-only: the buffer is private, its view public.
    assert!(
        !code.contains(&tokens("pub static __AIMDB_BUFFER_READING")),
        "{code}"
    );
    assert!(
        code.contains(&tokens(
            "pub static READING: ::aimdb::__private::aimdb_core::RecordView<Temperature, ::aimdb::__private::aimdb_core::SpmcRing<"
        )),
        "{code}"
    );
    assert!(code.contains(&tokens("::aimdb::__private::aimdb_core::mutex::StdRawMutex,\n        Temperature,\n        256usize,\n        1usize,")), "{code}");
    assert!(
        code.contains(&tokens(
            "pub mqtt: &'static dyn ::aimdb::__private::aimdb_core::connector::Connector"
        )),
        "{code}"
    );
    assert!(
        code.contains(&tokens("pub async fn run(links: Links)")),
        "{code}"
    );
    assert!(
        code.contains(&tokens(
            "Role::Source {\n                function: \"read_temperature_loop\",\n            }"
        )),
        "{code}"
    );
    assert!(
        code.contains(&tokens("\"climate/zone-a/reading\"")),
        "{code}"
    );
    assert!(
        code.contains(&tokens(
            "glue::run_source_send::<Temperature, _, _,>(read_temperature_loop"
        )),
        "{code}"
    );
    // Every path into our crates goes through the facade.
    assert!(
        !code.contains(&tokens("aimdb_core::"))
            || code.matches("::aimdb::__private::aimdb_core").count()
                == code.matches("aimdb_core::").count()
    );
}

#[test]
fn the_dashboard_node_emits_a_route_and_embassy_tasks() {
    let code = emitted(DASHBOARD);
    assert!(code.contains(&tokens("CriticalSectionRawMutex")), "{code}");
    assert!(code.contains(&tokens("static __AIMDB_ROUTES_MQTT: [::aimdb::__private::aimdb_core::connector::InboundRoute; 1usize]")), "{code}");
    assert!(
        code.contains(&tokens("address: \"climate/zone-a/reading\"")),
        "{code}"
    );
    assert!(code.contains(&tokens("#[::aimdb::__private::embassy_executor::task(\n        embassy_executor = ::aimdb::__private::embassy_executor\n    )]")), "{code}");
    assert!(
        code.contains(&tokens(
            "pub fn spawn(spawner: ::aimdb::__private::embassy_executor::Spawner, links: Links)"
        )),
        "{code}"
    );
    // Subscribe before attach before spawn: no value produced at start is missed.
    let subscribe = code.find(&tokens("glue::subscribe")).unwrap();
    let attach = code.find(&tokens("links.mqtt.attach")).unwrap();
    let spawn = code.find(&tokens("spawner.spawn")).unwrap();
    assert!(subscribe < attach && attach < spawn);
}

#[test]
fn every_outbound_link_is_registered_with_its_buffer_kind_before_tasks_run() {
    let code = emitted(SENSOR);
    let register = tokens(
        "links.mqtt.register_outbound(\"climate/zone-a/reading\", ::aimdb::__private::aimdb_core::RecordBuffer::kind(&__AIMDB_BUFFER_READING,),);",
    );
    assert_eq!(code.matches(&register).count(), 1, "{code}");
    // Declared before any task is spawned (the source and the link task).
    let registered = code.find(&register).unwrap();
    let spawn = code
        .find(&tokens("::aimdb::__private::glue::spawn"))
        .unwrap();
    assert!(registered < spawn, "{code}");
    // One call per `link_to`, on its own scheme; inbound links are attached, not registered.
    let code = emitted(
        r#"node n: embassy;
        b.configure::<T>(K::A, |r| r.buffer(BufferCfg::Mailbox).source(f)
            .link_to("serial://a").with_serializer_raw(s)
            .link_to("mqtt://b").with_serializer_raw(s).finish());
        b.configure::<T>(K::B, |r| r.buffer(BufferCfg::SingleLatest)
            .link_from("mqtt://c").with_deserializer_raw(d).finish());"#,
    );
    assert_eq!(code.matches("register_outbound").count(), 2, "{code}");
    assert!(
        code.contains(&tokens("links.serial.register_outbound(\"a\",")),
        "{code}"
    );
    assert!(
        code.contains(&tokens("links.mqtt.register_outbound(\"b\",")),
        "{code}"
    );
    let registered = code.find("register_outbound").unwrap();
    let attach = code.find(&tokens("links.mqtt.attach")).unwrap();
    let spawn = code.find(&tokens("spawner.spawn")).unwrap();
    assert!(registered < attach && attach < spawn, "{code}");
}

#[test]
fn reader_slots_count_taps_and_outbound_links() {
    let code = emitted(
        r#"node n: tokio;
        b.configure::<T>(K::A, |r| r.buffer(BufferCfg::Mailbox).source(f).tap(g).tap(h)
            .link_to("serial://a").with_serializer_raw(s).finish());"#,
    );
    assert!(code.contains(&tokens("Mailbox<\n        ::aimdb::__private::aimdb_core::mutex::StdRawMutex,\n        T,\n        3usize,\n    >")), "{code}");
}

#[test]
fn colliding_static_names_use_the_whole_key() {
    let code = emitted(
        r#"node n: tokio;
        b.configure::<T>(Climate::Reading, |r| r.buffer(BufferCfg::SingleLatest).source(f).finish());
        b.configure::<T>(Power::Reading, |r| r.buffer(BufferCfg::SingleLatest).source(g).finish());"#,
    );
    assert!(
        code.contains(&tokens("pub static CLIMATE_READING:")),
        "{code}"
    );
    assert!(
        code.contains(&tokens("pub static POWER_READING:")),
        "{code}"
    );
    assert!(code.contains(&tokens("pub struct Links {}")), "{code}");
}

#[test]
fn the_expansion_is_written_pretty_printed_per_node() {
    let code = crate::compile(SENSOR.parse().unwrap()).unwrap();
    let dir = std::env::temp_dir().join(format!("aimdb-expand-{}", std::process::id()));
    let span = crate::diagnostic::Span::Tokens(proc_macro2::Span::call_site());
    let path = crate::dump::write(&dir, "sensor", span, &code).unwrap();
    assert_eq!(path, dir.join("sensor.rs"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("// Generated by aimdb::topology! for node `sensor`."));
    assert!(
        text.contains("\npub mod sensor {\n    use super::*;\n"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    // An unwritable place is a clear error, not a panic.
    let error =
        crate::dump::write(std::path::Path::new("/proc/aimdb"), "sensor", span, &code).unwrap_err();
    assert!(
        error.message.starts_with(
            "AIMDB_EXPAND_DIR is set, but `/proc/aimdb/sensor.rs` could not be written"
        ),
        "{}",
        error.message
    );
}
