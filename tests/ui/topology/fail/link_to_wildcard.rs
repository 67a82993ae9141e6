// The compiler checks a link address with its connector's own grammar: a topic filter is
// not a place to publish to, and `qos` takes 0, 1 or 2.
include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 16 })
            .source(read_temperature_loop)
            .link_to("mqtt://climate/+/reading")
            .with_serializer_raw(Temperature::to_bytes)
            .link_to("mqtt://climate/zone-a/reading?qos=7")
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
}

fn main() {}
