include!("../climate.rs");
include!("../functions.rs");

// Takes a `Humidity`, but the input record holds `Temperature`: one error, on `describe`.
fn describe(reading: &Humidity) -> Temperature {
    Temperature { celsius: reading.percent }
}

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(read_temperature_loop).finish();
    });
    builder.configure::<Temperature>(ClimateKey::Setpoint, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .transform(ClimateKey::Reading, |b| b.map(describe))
            .finish();
    });
}

fn main() {}
