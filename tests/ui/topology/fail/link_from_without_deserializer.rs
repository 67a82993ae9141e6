include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node dashboard: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(render_chart)
            .link_from("mqtt://climate/zone-a/reading")
            .finish();
    });
}

fn main() {}
