// An embassy node's buffers are checked against its declared RAM budget: the assertion names
// the node and the budget, and each record's bytes come on its `.buffer`.
include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: embassy, ram = "1K";
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 256 })
            .source(read_temperature_loop)
            .finish();
    });
    builder.configure::<Temperature>(ClimateKey::Setpoint, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .finish();
    });
}

fn main() {}
