include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(42, |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(read_temperature_loop).finish();
    });
}

fn main() {}
