// A node has one `tcp` connector, which carries one stream: its `tcp://` links all name one
// `HOST:PORT` (several links share it).
include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 16 })
            .source(read_temperature_loop)
            .link_to("tcp://127.0.0.1:7000/climate/zone-a/reading")
            .with_serializer_raw(Temperature::to_bytes)
            .link_to("tcp://127.0.0.1:7001/climate/zone-a/reading")
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
}

fn main() {}
