include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_once)
            .finish();
    });
}

fn main() {}

fn read_once(_producer: aimdb::Producer<'static, Temperature>) -> Temperature {
    Temperature { celsius: 0.0 }
}
