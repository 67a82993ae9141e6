include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(read_temperature_loop).finish();
    });
}

fn main() {}
