// On embassy too, rustc reports the user function's type error once, on the function.
include!("../climate.rs");
include!("../functions.rs");

// Returns a string, neither `Temperature` nor `Option<Temperature>`.
fn describe(reading: &Temperature) -> String {
    format!("{} C", reading.celsius)
}

aimdb::topology! {
    node sensor: embassy;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(read_temperature_loop).finish();
    });
    builder.configure::<Temperature>(ClimateKey::Setpoint, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .transform(ClimateKey::Reading, |b| b.map(describe))
            .finish();
    });
}

fn main() {}
