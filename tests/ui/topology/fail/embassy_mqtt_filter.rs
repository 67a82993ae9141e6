// What a runtime's connector refuses at start-up does not compile: the embassy MQTT
// connector routes exact topics only, so a filter in a link_from is an error there.
include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node display: embassy;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(render_chart)
            .link_from("mqtt://climate/+/reading")
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
}

fn main() {}
