include!("../climate.rs");
include!("../functions.rs");

// The seed's browser dashboard snippet, verbatim, as a browser node (issue 18): the raw
// `Temperature::from_bytes` spelling compiles on `wasm` as on any runtime (the climate
// system's links carry postcard and its contract instead; docs/contract.md).
aimdb::topology! {
    node dashboard: wasm;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(render_chart)
            .link_from("mqtt://climate/zone-a/reading")
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
}

fn main() {
    static BUS: aimdb::connectors::loopback::LoopbackBus = aimdb::connectors::loopback::LoopbackBus::new();
    // An embassy node's entry point, and the single-threaded runtime's buffer.
    let _: fn(aimdb::__private::embassy_executor::Spawner, dashboard::Links) = dashboard::spawn;
    let _ = dashboard::Links { mqtt: &BUS };
    assert_eq!(
        dashboard::ram::TOTAL,
        core::mem::size_of::<aimdb::SingleLatest<aimdb::mutex::CriticalSectionRawMutex, Temperature, 1>>()
    );
}
