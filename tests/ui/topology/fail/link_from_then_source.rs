include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node dashboard: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .link_from("mqtt://climate/zone-a/reading")
            .with_deserializer_raw(Temperature::from_bytes)
            .source(read_temperature_loop)
            .finish();
    });
}

fn main() {}
