include!("../climate.rs");
include!("../functions.rs");

// The seed's dashboard snippet in a browser node (issue 18): `mqtt` runs there, `serial`
// does not (the scheme table gives wasm mqtt and ws only).
aimdb::topology! {
    node browser: wasm;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(render_chart)
            .link_from("mqtt://climate/zone-a/reading")
            .with_deserializer_raw(Temperature::from_bytes)
            .link_to("serial://climate/zone-a/reading")
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
}

fn main() {}
