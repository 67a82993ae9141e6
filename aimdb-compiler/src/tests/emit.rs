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
            "pub static READING: ::aimdb::__private::aimdb_core::SpmcRing<"
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
