//! The `aimdb` facade: `BufferCfg` is a name users can import (the macro accepts the plain,
//! the imported and the full path), and the connectors come through `aimdb`'s own features.

use aimdb::BufferCfg;

async fn count(producer: aimdb::Producer<'static, u32>) {
    let _ = producer.produce(1);
}

aimdb::topology! {
    node facade: tokio;
    builder.configure::<u32>("facade/full-path", |reg| {
        reg.buffer(aimdb::BufferCfg::SpmcRing { capacity: 4 })
            .source(count)
            .finish();
    });
    builder.configure::<u32>("facade/imported", |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source_handle()
            .finish();
    });
}

#[test]
fn buffer_cfg_is_importable_and_the_macro_takes_any_path_to_it() {
    assert_eq!(facade::FULL_PATH.capacity(), 4);
    assert_eq!(BufferCfg::SpmcRing { capacity: 4 }.capacity(), Some(4));
    assert_eq!(BufferCfg::Mailbox.capacity(), None);
}

#[test]
fn connectors_are_reached_through_aimdb_alone() {
    // `aimdb = { features = ["mqtt", "ws", ...] }` forwards to aimdb-connectors.
    let config = aimdb::connectors::mqtt::MqttConfig::new("127.0.0.1", 1883, "facade");
    assert!(config.validate().is_ok());
    let _ = aimdb::connectors::ws::WsConfig::new("127.0.0.1:0".parse().unwrap());
}
