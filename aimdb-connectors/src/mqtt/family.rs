//! Record families on the host: one wildcard filter per family link (`climate/+/reading`),
//! the arriving topic's instance level looked up in the family's sorted static table
//! (`FamilyRoute::instance`, a binary search). The lookup is per family, never per instance,
//! and allocates nothing; an instance outside the declared set is refused and counted
//! (`unknown_instance` on the family's link).

use std::boxed::Box;
use std::panic::{AssertUnwindSafe, catch_unwind};

use aimdb_core::connector::{CodecError, FamilyRoute};

use super::counters::bump;
use super::routing::Link;

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
