// On embassy too, rustc reports the user function's type error once, on the function.
include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: embassy;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .tap(render_humidity)
            .finish();
    });
}

fn main() {}

async fn render_humidity(_consumer: aimdb::Consumer<'static, Humidity>) {}
