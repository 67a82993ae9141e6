// Only the record's declared producer can write it: outside the generated node a record is
// a read-only view, and its buffer is private to the node.
include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node dashboard: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(render_chart)
            .link_from("mqtt://climate/zone-a/reading")
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
}

fn forge() {
    // Reading is fine:
    let _ = dashboard::READING.latest();
    // Writing is not: the view has no `produce`, and the buffer is not reachable.
    dashboard::READING.produce(Temperature { celsius: 99.0 });
    dashboard::__AIMDB_BUFFER_READING.produce(Temperature { celsius: 99.0 });
}

fn main() {
    forge();
}
