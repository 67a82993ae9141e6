include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg
            .source(read_temperature_loop)
            .tap(render_chart)
            .finish();
    });
}

fn main() {}
