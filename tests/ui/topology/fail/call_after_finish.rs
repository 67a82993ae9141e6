include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .finish()
            .tap(render_chart);
    });
}

fn main() {}
