include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node dashboard: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(render_chart)
            .link_from("mqtt://climate/zone-a/reading")
            .with_deserializer_raw(humidity_from_bytes)
            .finish();
    });
}

fn main() {}

fn humidity_from_bytes(_bytes: &[u8]) -> Result<Humidity, aimdb::connector::CodecError> {
    Err(aimdb::connector::CodecError::Malformed)
}
