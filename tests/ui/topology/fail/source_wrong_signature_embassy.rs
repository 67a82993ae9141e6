// On embassy too, rustc reports a source with the wrong signature once, on the function.
include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: embassy;
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
