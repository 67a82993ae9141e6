include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node dashboard: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .link_from("mqtt://climate/zone-a/reading")
            .with_deserializer_raw(Temperature::from_bytes)
            .link_from("serial://climate/zone-a/reading")
            .with_deserializer_raw(Temperature::from_bytes)
            .tap(render_chart)
            .finish();
    });
}

fn main() {}
