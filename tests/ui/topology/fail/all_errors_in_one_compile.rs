include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 0 })
            .source(read_temperature_loop)
            .link_to("mqt://climate/zone-a/reading")
            .finish();
    });
    builder.configure::<Temperature>(ClimateKey::Setpoint, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(render_chart)
            .finish();
    });
    builder.configure::<Temperature>(ClimateKey::Humidity, |reg| {
        reg.buffer(BufferCfg::SingleLatst)
            .source(read_temperature_loop)
            .link_from("mqtt://climate/zone-a/reading")
            .with_deserializer_raw(Temperature::from_bytes);
    });
}

fn main() {}
