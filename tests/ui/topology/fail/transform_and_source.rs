include!("../climate.rs");
include!("../functions.rs");

fn to_celsius(humidity: &Humidity) -> Temperature {
    Temperature { celsius: humidity.percent }
}

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Humidity>(ClimateKey::Humidity, |reg| {
        reg.buffer(BufferCfg::SingleLatest).link_from("mqtt://humidity").with_deserializer_raw(humidity_from_bytes).finish();
    });
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .transform(ClimateKey::Humidity, |b| b.map(to_celsius))
            .finish();
    });
}

fn humidity_from_bytes(_: &[u8]) -> Result<Humidity, aimdb::connector::CodecError> {
    Err(aimdb::connector::CodecError::Malformed)
}

fn main() {}
