// A string key written inline follows the same grammar as `#[derive(RecordKey)]` and a
// topology file's `key =`: no spaces, no empty segment.
include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node plant: tokio;
    builder.configure::<Temperature>("plant/tank 2/level", |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .finish();
    });
    builder.configure::<Temperature>("plant//pressure", |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .finish();
    });
}

fn main() {}
