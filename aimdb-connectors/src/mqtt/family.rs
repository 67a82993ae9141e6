//! Record families on the host: one wildcard filter per family link (`climate/+/reading`),
//! the arriving topic's instance level looked up in the family's sorted static table
//! (`FamilyRoute::instance`, a binary search). The lookup is per family, never per instance,
//! and allocates nothing; an instance outside the declared set is refused and counted
//! (`unknown_instance` on the family's link).

use std::boxed::Box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::vec::Vec;

use aimdb_core::connector::{CodecError, FamilyRoute};
use rumqttc::{QoS, SubscribeFilter};

use super::config::LinkError;

use super::counters::bump;
use super::routing::{Link, Routes, inbound_options};

/// One family link: its filter (without options), counters and route.
pub(crate) struct FamilyEntry {
    link: &'static Link,
    filter: Box<str>,
    route: &'static FamilyRoute,
}

impl FamilyEntry {
    pub(crate) fn new(link: &'static Link, filter: &str, route: &'static FamilyRoute) -> Self {
        FamilyEntry {
            link,
            filter: filter.into(),
            route,
        }
    }

    /// Deliver `payload` if `topic` has the family's shape; whether it had (then it was
    /// delivered, or refused and counted).
    pub(crate) fn dispatch(&self, topic: &str, payload: &[u8], max_payload: usize) -> bool {
        let Some(name) = FamilyRoute::instance_level(&self.filter, self.route.level, topic) else {
            return false;
        };
        let counters = &self.link.counters;
        let Some(index) = self.route.instance(name) else {
            bump(&counters.unknown_instance);
            return true;
        };
        if payload.len() > max_payload {
            bump(&counters.oversize);
            return true;
        }
        // A panicking deserializer counts as one that refused the payload.
        let deliver = self.route.deliver;
        let result = catch_unwind(AssertUnwindSafe(|| deliver(index, payload)))
            .unwrap_or(Err(CodecError::Malformed));
        counters.delivered(result);
        true
    }
}

impl Routes {
    /// Add family routes: each one filter. Returns the subscriptions they need; a route
    /// with a bad filter is skipped and reported in `rejected`.
    pub(crate) fn attach_family(
        &self,
        routes: &'static [FamilyRoute],
        default_qos: QoS,
        rejected: &mut Vec<(&'static str, LinkError)>,
    ) -> Vec<SubscribeFilter> {
        let mut table = self.write();
        let mut added = Vec::new();
        for route in routes {
            let Some(options) = inbound_options(route.filter, rejected) else {
                continue;
            };
            let link = table.link(options.topic);
            table
                .families
                .push(super::family::FamilyEntry::new(link, options.topic, route));
            let qos = options.qos.unwrap_or(default_qos);
            if table.subscribe(options.topic, qos) {
                added.push(SubscribeFilter::new(options.topic.into(), qos));
            }
        }
        added
    }
}

#[cfg(test)]
mod tests {
    use core::sync::atomic::{AtomicUsize, Ordering};

    use super::super::counters::ConnectorCounters;
    use super::*;

    static LAST: AtomicUsize = AtomicUsize::new(usize::MAX);

    fn deliver(instance: usize, payload: &[u8]) -> Result<(), CodecError> {
        if payload == b"bad" {
            return Err(CodecError::Malformed);
        }
        LAST.store(instance, Ordering::Relaxed);
        Ok(())
    }

    /// Sorted by name; the index is the instance's buffer.
    static ROUTES: [FamilyRoute; 1] = [FamilyRoute {
        filter: "climate/+/reading?qos=1",
        level: 1,
        instances: &[("a", 1), ("b", 0), ("c", 2)],
        deliver,
    }];

    #[test]
    fn one_filter_routes_each_instance_and_refuses_strangers() {
        let routes = Routes::default();
        let counters = ConnectorCounters::default();
        let mut rejected = Vec::new();
        let subs = routes.attach_family(&ROUTES, QoS::AtMostOnce, &mut rejected);
        assert!(rejected.is_empty());
        assert_eq!(subs.len(), 1);
        assert_eq!(subs[0].path, "climate/+/reading");
        assert_eq!(subs[0].qos, QoS::AtLeastOnce);
        routes.dispatch("climate/c/reading", b"ok", 8, &counters);
        assert_eq!(LAST.load(Ordering::Relaxed), 2);
        routes.dispatch("climate/a/reading", b"ok", 8, &counters);
        assert_eq!(LAST.load(Ordering::Relaxed), 1);
        routes.dispatch("climate/x/reading", b"ok", 8, &counters); // not declared
        routes.dispatch("climate/b/reading", b"bad", 8, &counters);
        routes.dispatch("climate/a/reading/more", b"ok", 8, &counters); // another shape
        let stats = routes
            .link("climate/+/reading")
            .unwrap()
            .counters
            .snapshot();
        assert_eq!(
            (stats.received, stats.unknown_instance, stats.decode_errors),
            (2, 1, 1)
        );
        assert_eq!(counters.unrouted.load(Ordering::Relaxed), 1);
        assert_eq!(LAST.load(Ordering::Relaxed), 1);
    }
}
