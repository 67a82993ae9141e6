include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 256 })
            .source(read_temperature_loop)
            .link_to("mqtt://climate/zone-a/reading") // I produce this
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
}

aimdb::topology! {
    node dashboard: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(render_chart)
            .link_from("mqtt://climate/zone-a/reading") // I observe what's produced elsewhere
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
}

fn main() {
    static BUS: aimdb::connectors::loopback::LoopbackBus = aimdb::connectors::loopback::LoopbackBus::new();
    let _sensor = sensor::run(sensor::Links { mqtt: &BUS });
    let _dashboard = dashboard::run(dashboard::Links { mqtt: &BUS });
    assert!(sensor::ram::TOTAL > 0);
}
