// Two topologies naming the same node: the error points at the second `node pumps`.
include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node pumps: tokio;
    builder.configure::<Temperature>("plant/pump-a", |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .finish();
    });
}

aimdb::topology! {
    node pumps: tokio;
    builder.configure::<Temperature>("plant/pump-b", |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .finish();
    });
}

fn main() {}
