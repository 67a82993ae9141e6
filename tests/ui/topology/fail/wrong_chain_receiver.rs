include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        registry.buffer(BufferCfg::SingleLatest).source(read_temperature_loop).finish();
    });
}

fn main() {}
