include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node dashboard: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .finish();
    });
    builder.configure::<Temperature>(ClimateKey::Setpoint, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(render_chart)
            .finish();
    });
}

fn main() {}
