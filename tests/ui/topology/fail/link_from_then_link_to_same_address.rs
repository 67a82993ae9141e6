// Of two declarations of one address, the later one in source order is the error, whichever
// direction each has.
include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node relay: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .link_from("mqtt://climate/zone-a/reading")
            .with_deserializer_raw(Temperature::from_bytes)
            .link_to("mqtt://climate/zone-a/reading?retain=true")
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
}

fn main() {}
