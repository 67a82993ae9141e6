include!("../climate.rs");
include!("../functions.rs");

// The dds:// grammar at compile time: a domain out of range, a strength on a reader, and a
// partition with a wildcard (a writer names one partition), all in one compile.
aimdb::topology! {
    node plant: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .link_to("dds://plant/reading?domain=233&strength=10")
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
    builder.configure::<Temperature>(ClimateKey::Setpoint, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .link_from("dds://plant/setpoint?strength=3")
            .with_deserializer_raw(Temperature::from_bytes)
            .tap(render_chart)
            .finish();
    });
    builder.configure::<Temperature>(ClimateKey::Humidity, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_temperature_loop)
            .link_to("dds://plant/humidity?partition=north*")
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
}

fn main() {}
