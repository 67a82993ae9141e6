// A ring of a billion values is refused by the topology compiler, before rustc tries to
// size a multi-gigabyte static; with a budget, a ring larger than the budget is too.
include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: embassy, ram = "64K";
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 1_000_000_000 })
            .source(read_temperature_loop)
            .finish();
    });
    builder.configure::<Temperature>(ClimateKey::Setpoint, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 100_000 })
            .source(read_temperature_loop)
            .finish();
    });
}

fn main() {}
