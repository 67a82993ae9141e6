// `.with_codec(aimdb::codec::Postcard)` needs a serde type: `Temperature` here is not one,
// and rustc says so on the codec the user named.
include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .link_to("mqtt://climate/zone-a/reading")
            .with_codec(aimdb::codec::Postcard)
            .finish();
    });
}

fn main() {}
