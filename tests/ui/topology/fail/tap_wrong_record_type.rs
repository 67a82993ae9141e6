include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .tap(render_humidity)
            .finish();
    });
}

fn main() {}

async fn render_humidity(_consumer: aimdb::Consumer<'static, Humidity>) {}
