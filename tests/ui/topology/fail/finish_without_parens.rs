// `.finish` without `()` is a field access, not the call: the error points at `.finish`.
include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .finish;
    });
}

fn main() {}
