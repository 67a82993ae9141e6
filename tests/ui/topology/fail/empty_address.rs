include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .link_to("mqtt://")
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
}

fn main() {}
