include!("../climate.rs");
include!("../functions.rs");

// Every buffer kind, string keys, closures as user functions, several taps, schemes other
// than mqtt, and a node with no links at all.
aimdb::topology! {
    node controller: tokio;
    b.configure::<Temperature>("climate/zone-b/reading", |r| {
        r.buffer(BufferCfg::SpmcRing { capacity: 4 })
            .source(|producer: aimdb::Producer<'static, Temperature>| async move {
                producer.produce(Temperature { celsius: 1.0 });
            })
            .tap(render_chart)
            .tap(|mut consumer: aimdb::Consumer<'static, Temperature>| async move {
                let _ = consumer.recv().await;
            })
            .link_to("serial://zone-b/reading")
            .with_serializer_raw(|value: &Temperature, out: &mut [u8]| value.to_bytes(out))
            .link_to("loopback://zone-b/reading")
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
    b.configure::<Temperature>(ClimateKey::Setpoint, |r| {
        r.buffer(BufferCfg::Mailbox)
            .link_from("ws://zone-b/setpoint")
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
}

aimdb::topology! {
    node lonely: embassy;
    builder.configure::<Temperature>(ClimateKey::Humidity, |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(read_temperature_loop).finish();
    });
}

fn main() {
    // The ring has four readers (two taps, two outbound links), hence four reader slots.
    static BUS: aimdb::connectors::loopback::LoopbackBus<2> = aimdb::connectors::loopback::LoopbackBus::new();
    let _links = controller::Links {
        loopback: &BUS,
        serial: &BUS,
        ws: &BUS,
    };
    let _empty = lonely::Links {};
    assert_eq!(controller::READING.capacity(), 4);
    assert!(controller::ram::TOTAL == controller::ram::READING + controller::ram::SETPOINT);
}
