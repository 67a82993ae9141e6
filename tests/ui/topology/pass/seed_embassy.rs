include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: embassy;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 256 })
            .source(read_temperature_loop)
            .link_to("mqtt://climate/zone-a/reading") // I produce this
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
}

aimdb::topology! {
    node dashboard: embassy;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(render_chart)
            .link_from("mqtt://climate/zone-a/reading") // I observe what's produced elsewhere
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
}

fn main() {
    let _spawn: fn(aimdb::__private::embassy_executor::Spawner, sensor::Links) = sensor::spawn;
    let _spawn: fn(aimdb::__private::embassy_executor::Spawner, dashboard::Links) = dashboard::spawn;
}
