include!("../climate.rs");
include!("../functions.rs");

fn to_celsius(humidity: &Humidity) -> Temperature {
    Temperature { celsius: humidity.percent }
}

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Humidity>("humidity", |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(read_humidity).finish();
    });
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .transform("humidity", |b| b.map(to_celsius))
            .link_from("mqtt://climate/zone-a/reading")
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
}

async fn read_humidity(_producer: aimdb::Producer<'static, Humidity>) {}

fn main() {}
