//! MQTT link addresses and topics, as a user writes them in a topology (`topic?qos=1&retain=
//! false`) and as a broker sends them: the host connector's and the embassy connector's
//! `LinkOptions::parse`, and the topic-filter match the host connector runs on every
//! arrived publish (`mqtt::topic_matches`, with the topic from the broker). None may panic,
//! the two parsers must agree on what they both accept, and the topic match must agree
//! with `rumqttc::matches` wherever that does not panic (a topic starting with an ASCII
//! character; this target found its panic on a multi-byte first character).
#![no_main]

use aimdb_connectors::{mqtt, mqtt_embassy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let host = mqtt::LinkOptions::parse(text);
    let embassy = mqtt_embassy::LinkOptions::parse(text);
    if let Ok(options) = &host {
        assert!(!options.topic.is_empty());
        assert!(text.starts_with(options.topic));
        let _ = options.is_filter();
    }
    if let (Ok(h), Ok(e)) = (&host, &embassy) {
        assert_eq!(h.topic, e.topic);
        assert_eq!(h.qos.map(|q| q as u8), e.qos);
        assert_eq!(h.retain, e.retain);
    }
    // The broker's topic and a subscription filter, split at the first newline.
    let (topic, filter) = text.split_once('\n').unwrap_or((text, "#"));
    let ours = mqtt::topic_matches(topic, filter);
    if topic.chars().next().is_none_or(|c| c.is_ascii()) {
        assert_eq!(
            ours,
            rumqttc::matches(topic, filter),
            "{topic:?} {filter:?}"
        );
    }
});
