//! MQTT topic-filter matching for inbound routes with `+` and `#` wildcards.
//!
//! Our own rather than `rumqttc::matches`: rumqttc 0.25.1 slices the topic at byte 1 to look
//! for a leading `$`, which panics when the topic's first character is longer than one byte
//! (`"Μ/x"`), so any publisher on the broker could stop the connection task with one
//! message to a topic a wildcard filter takes (found by `fuzz/fuzz_targets/mqtt_link.rs`).
//! Otherwise this matches exactly what rumqttc matches.

/// Whether `topic` (as a broker delivers it) matches subscription `filter`. Topics that
/// start with `$` (broker topics such as `$SYS/..`) match no filter, as in rumqttc.
pub fn topic_matches(topic: &str, filter: &str) -> bool {
    if topic.starts_with('$') {
        return false;
    }
    let mut levels = topic.split('/');
    for wanted in filter.split('/') {
        if wanted == "#" {
            return true;
        }
        match levels.next() {
            Some("#") | None => return false,
            Some(_) if wanted == "+" => {}
            Some(level) if level != wanted => return false,
            Some(_) => {}
        }
    }
    levels.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::topic_matches;

    #[test]
    fn a_topic_starting_with_a_multibyte_character_does_not_panic() {
        // rumqttc::matches panicked on this input (fuzz/fuzz_targets/mqtt_link.rs).
        assert!(topic_matches("Μ/reading", "+/reading"));
        assert!(topic_matches("Μ", "#"));
        assert!(!topic_matches("Μ/x", "a/+"));
        assert!(!topic_matches("€", ""));
    }

    #[test]
    fn a_wildcard_route_takes_a_multibyte_topic_from_the_broker() {
        use core::sync::atomic::{AtomicU32, Ordering};

        use aimdb_core::connector::{CodecError, InboundRoute};
        use rumqttc::QoS;

        use crate::mqtt::counters::ConnectorCounters;
        use crate::mqtt::routing::Routes;

        static TAKEN: AtomicU32 = AtomicU32::new(0);
        fn take(_: &[u8]) -> Result<(), CodecError> {
            TAKEN.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
        static ROUTES: [InboundRoute; 1] = [InboundRoute {
            address: "+/reading",
            deliver: take,
        }];
        let routes = Routes::default();
        let counters = ConnectorCounters::default();
        let mut rejected = std::vec::Vec::new();
        routes.attach(&ROUTES, QoS::AtLeastOnce, &mut rejected);
        assert!(rejected.is_empty());
        // This dispatch panicked inside rumqttc before (the connection task would stop).
        routes.dispatch("Μ/reading", b"v", 8, &counters);
        routes.dispatch("Μ/other", b"v", 8, &counters);
        assert_eq!(TAKEN.load(Ordering::Relaxed), 1);
        assert_eq!(counters.unrouted.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn matches_what_rumqttc_matches_on_ascii_topics() {
        let topics = [
            "",
            "a",
            "a/b",
            "a/b/c",
            "/a",
            "a/",
            "$SYS/x",
            "#",
            "a/#",
            "+",
            "a/+/c",
            "climate/zone-a/reading",
        ];
        let filters = [
            "",
            "#",
            "+",
            "a",
            "a/#",
            "a/+",
            "a/+/c",
            "+/+",
            "/+",
            "+/#",
            "a/b/c/#",
            "climate/+/reading",
        ];
        for topic in topics {
            for filter in filters {
                assert_eq!(
                    topic_matches(topic, filter),
                    rumqttc::matches(topic, filter),
                    "topic {topic:?} filter {filter:?}"
                );
            }
        }
    }
}
