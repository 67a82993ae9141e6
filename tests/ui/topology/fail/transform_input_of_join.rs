include!("../climate.rs");
include!("../functions.rs");

fn copy(reading: &Temperature) -> Temperature {
    *reading
}

// `.input` belongs to a join; `.on_triggers` to a join's builder; `.map` to a transform's.
aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(read_temperature_loop).finish();
    });
    builder.configure::<Temperature>(ClimateKey::Setpoint, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .transform(ClimateKey::Reading, |b| b.input::<Temperature>(ClimateKey::Reading).map(copy))
            .finish();
    });
    builder.configure::<Temperature>("copy", |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .transform_join(|b| b.input::<Temperature>(ClimateKey::Reading).map(copy))
            .finish();
    });
}

fn main() {}
