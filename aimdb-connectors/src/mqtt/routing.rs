//! The link table: outbound links by address, inbound routes by topic.
//!
//! Built when links are registered and routes attached (start-up); afterwards the hot paths
//! only take a read lock and look a string up in a `HashMap`, so routing an arriving
//! publish is O(1) and allocates nothing. Wildcard filters (`climate/+/reading`), which a
//! hash cannot match, sit in a separate list that is scanned only when one exists.

use core::sync::atomic::AtomicUsize;
use std::boxed::Box;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::vec::Vec;

use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{CodecError, InboundRoute};
use rumqttc::{QoS, SubscribeFilter};

use super::config::{LinkError, LinkOptions};
use super::counters::{ConnectorCounters, LinkCounters, bump};

/// One topic's identity and counters, shared by its outbound and inbound uses.
#[derive(Debug)]
pub(crate) struct Link {
    pub(crate) topic: Box<str>,
    pub(crate) counters: LinkCounters,
}

/// What the outbound queue does with a link's values, from the buffer kind its record was
/// registered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkOverflow {
    /// Never registered: the connector-wide [`OverflowPolicy`](super::OverflowPolicy).
    Connector,
    /// `SpmcRing`: when the queue is full, this link's oldest queued value makes room.
    Ring,
    /// `SingleLatest` and `Mailbox`: only the newest value matters, so a new value
    /// replaces this link's queued one (at its place in the queue).
    Latest,
}

impl LinkOverflow {
    fn of(kind: Option<BufferKind>) -> Self {
        match kind {
            None => LinkOverflow::Connector,
            Some(BufferKind::SpmcRing { .. }) => LinkOverflow::Ring,
            Some(BufferKind::SingleLatest | BufferKind::Mailbox) => LinkOverflow::Latest,
        }
    }
}

/// An outbound link, with its per-link options resolved once.
#[derive(Debug)]
pub(crate) struct OutboundLink {
    pub(crate) link: &'static Link,
    pub(crate) qos: QoS,
    pub(crate) retain: bool,
    pub(crate) overflow: LinkOverflow,
    /// The queue slot that may hold this link's queued value (`Latest` links only). Read and
    /// written only under the queue's lock; a hint the queue checks against the slot.
    pub(crate) queued_at: AtomicUsize,
}

type Deliver = fn(&[u8]) -> Result<(), CodecError>;

/// The routes taking one topic (or filter).
struct InboundEntry {
    link: &'static Link,
    delivers: Vec<Deliver>,
}

#[derive(Default)]
pub(super) struct Table {
    /// Every link by topic. Links are leaked: there is one per topic, made at start-up,
    /// and hot paths hold `&'static` references to them without reference counting.
    links: HashMap<Box<str>, &'static Link>,
    /// Outbound links by the address as `publish` receives it (query included).
    outbound: HashMap<Box<str>, &'static OutboundLink>,
    /// Inbound routes by exact topic.
    exact: HashMap<Box<str>, InboundEntry>,
    /// Inbound routes by wildcard filter.
    filters: Vec<(Box<str>, InboundEntry)>,
    /// Record families: one per family link, whatever its number of instances.
    pub(super) families: Vec<super::family::FamilyEntry>,
    /// What to subscribe to, again after every reconnect.
    subscriptions: Vec<SubscribeFilter>,
}

impl Table {
    /// Note a subscription; whether it is new or stronger (two routes on one topic:
    /// subscribe once, at the stronger QoS).
    pub(super) fn subscribe(&mut self, topic: &str, qos: QoS) -> bool {
        match self.subscriptions.iter_mut().find(|s| s.path == topic) {
            Some(sub) if (sub.qos as u8) >= (qos as u8) => false,
            Some(sub) => {
                sub.qos = qos;
                true
            }
            None => {
                self.subscriptions
                    .push(SubscribeFilter::new(topic.into(), qos));
                true
            }
        }
    }

    pub(super) fn link(&mut self, topic: &str) -> &'static Link {
        if let Some(link) = self.links.get(topic) {
            return link;
        }
        let link: &'static Link = Box::leak(Box::new(Link {
            topic: topic.into(),
            counters: LinkCounters::default(),
        }));
        self.links.insert(topic.into(), link);
        link
    }
}

/// The connector's link table.
#[derive(Default)]
pub(crate) struct Routes {
    table: RwLock<Table>,
}

impl Routes {
    // A panic while the lock is held cannot leave the table half-updated in a way that
    // matters (each insertion is one `HashMap` call), so a poisoned lock is reused.
    fn read(&self) -> RwLockReadGuard<'_, Table> {
        self.table
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn write(&self) -> RwLockWriteGuard<'_, Table> {
        self.table
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The outbound link for `address`, registering it on first use. `kind` picks the
    /// retain default (a `SingleLatest` record is retained) and the overflow behaviour when
    /// the link is new; a link first seen by `publish` keeps the connector-wide policy.
    pub(crate) fn outbound(
        &self,
        address: &str,
        kind: Option<BufferKind>,
        default_qos: QoS,
    ) -> Result<&'static OutboundLink, LinkError> {
        if let Some(link) = self.read().outbound.get(address) {
            return Ok(link);
        }
        let options = LinkOptions::parse(address)?;
        if options.is_filter() || !rumqttc::valid_topic(options.topic) {
            return Err(LinkError::BadTopic);
        }
        let mut table = self.write();
        if let Some(link) = table.outbound.get(address) {
            return Ok(link); // registered by another thread meanwhile
        }
        let outbound: &'static OutboundLink = Box::leak(Box::new(OutboundLink {
            link: table.link(options.topic),
            qos: options.qos.unwrap_or(default_qos),
            retain: options
                .retain
                .unwrap_or(kind == Some(BufferKind::SingleLatest)),
            overflow: LinkOverflow::of(kind),
            queued_at: AtomicUsize::new(usize::MAX),
        }));
        table.outbound.insert(address.into(), outbound);
        Ok(outbound)
    }

    /// Add inbound routes. Returns the subscriptions they need; a route with a bad address
    /// is skipped and reported in `rejected`.
    pub(crate) fn attach(
        &self,
        routes: &'static [InboundRoute],
        default_qos: QoS,
        rejected: &mut Vec<(&'static str, LinkError)>,
    ) -> Vec<SubscribeFilter> {
        let mut table = self.write();
        let mut added = Vec::new();
        for route in routes {
            let Some(options) = inbound_options(route.address, rejected) else {
                continue;
            };
            let link = table.link(options.topic);
            let entry = if options.is_filter() {
                match table
                    .filters
                    .iter()
                    .position(|(f, _)| **f == *options.topic)
                {
                    Some(at) => &mut table.filters[at].1,
                    None => {
                        let entry = InboundEntry {
                            link,
                            delivers: Vec::new(),
                        };
                        table.filters.push((options.topic.into(), entry));
                        &mut table.filters.last_mut().expect("just pushed").1
                    }
                }
            } else {
                table
                    .exact
                    .entry(options.topic.into())
                    .or_insert_with(|| InboundEntry {
                        link,
                        delivers: Vec::new(),
                    })
            };
            entry.delivers.push(route.deliver);
            let qos = options.qos.unwrap_or(default_qos);
            if table.subscribe(options.topic, qos) {
                added.push(SubscribeFilter::new(options.topic.into(), qos));
            }
        }
        added
    }

    /// Every inbound subscription, for the (re-)subscribe after a ConnAck.
    pub(crate) fn subscriptions(&self) -> Vec<SubscribeFilter> {
        self.read().subscriptions.clone()
    }

    /// The counters of the link on `topic`, if there is one.
    pub(crate) fn link(&self, topic: &str) -> Option<&'static Link> {
        self.read().links.get(topic).copied()
    }

    /// Hand an arrived payload to every route taking `topic`. Counts and skips oversize
    /// and undecodable payloads; a panicking deserializer is counted as a decode error and
    /// cannot take the event loop down.
    pub(crate) fn dispatch(
        &self,
        topic: &str,
        payload: &[u8],
        max_payload: usize,
        counters: &ConnectorCounters,
    ) {
        let table = self.read();
        let mut routed = false;
        if let Some(entry) = table.exact.get(topic) {
            routed = true;
            deliver(entry, payload, max_payload);
        }
        // Per family, not per instance: the instance is found by binary search.
        for family in &table.families {
            routed |= family.dispatch(topic, payload, max_payload);
        }
        for (filter, entry) in &table.filters {
            if super::topic::topic_matches(topic, filter) {
                routed = true;
                deliver(entry, payload, max_payload);
            }
        }
        if !routed
            && counters
                .unrouted
                .fetch_add(1, core::sync::atomic::Ordering::Relaxed)
                == 0
        {
            // Logged once; counted always (`unrouted`): a flood must not flood the log.
            tracing::warn!(
                target: "aimdb::mqtt",
                address = topic,
                "a publish on a topic no link subscribed to was skipped (logged once, counted in `unrouted`)"
            );
        }
    }
}

/// An inbound address's options, if it parses and is a valid topic or filter; else it is
/// reported in `rejected`.
pub(super) fn inbound_options(
    address: &'static str,
    rejected: &mut Vec<(&'static str, LinkError)>,
) -> Option<LinkOptions<'static>> {
    let options = LinkOptions::parse(address)
        .map_err(|error| rejected.push((address, error)))
        .ok()?;
    let valid = if options.is_filter() {
        rumqttc::valid_filter(options.topic)
    } else {
        rumqttc::valid_topic(options.topic)
    };
    if !valid {
        rejected.push((address, LinkError::BadTopic));
        return None;
    }
    Some(options)
}

fn deliver(entry: &InboundEntry, payload: &[u8], max_payload: usize) {
    let counters = &entry.link.counters;
    if payload.len() > max_payload {
        bump(&counters.oversize);
        return;
    }
    for deliver in &entry.delivers {
        // A panicking deserializer counts as one that refused the payload.
        let result = catch_unwind(AssertUnwindSafe(|| deliver(payload)))
            .unwrap_or(Err(CodecError::Malformed));
        counters.delivered(result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::{AtomicU32, Ordering};

    static GOOD: AtomicU32 = AtomicU32::new(0);

    fn decode(payload: &[u8]) -> Result<(), CodecError> {
        match payload {
            b"ok" => {
                GOOD.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            b"panic" => panic!("deserializer bug"),
            _ => Err(CodecError::Malformed),
        }
    }

    static ROUTES: [InboundRoute; 3] = [
        InboundRoute {
            address: "a/b?qos=0",
            deliver: decode,
        },
        InboundRoute {
            address: "a/+",
            deliver: decode,
        },
        InboundRoute {
            address: "x?qos=7",
            deliver: decode,
        },
    ];

    #[test]
    fn routes_counts_and_survives_bad_payloads() {
        let routes = Routes::default();
        let counters = ConnectorCounters::default();
        let mut rejected = Vec::new();
        let subs = routes.attach(&ROUTES, QoS::AtLeastOnce, &mut rejected);
        assert_eq!(rejected, [("x?qos=7", LinkError::BadQos)]);
        assert_eq!(subs.len(), 2);
        assert_eq!(subs[0].qos, QoS::AtMostOnce);

        routes.dispatch("a/b", b"ok", 8, &counters); // exact and filter both take it
        routes.dispatch("a/b", b"bad", 8, &counters);
        routes.dispatch("a/b", b"far too long", 8, &counters);
        routes.dispatch("a/b", b"panic", 8, &counters);
        routes.dispatch("q", b"ok", 8, &counters);
        assert_eq!(GOOD.load(Ordering::Relaxed), 2);
        let exact = routes.link("a/b").unwrap().counters.snapshot();
        assert_eq!(
            (exact.received, exact.decode_errors, exact.oversize),
            (1, 2, 1)
        );
        assert_eq!(counters.unrouted.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn outbound_links_are_parsed_once_and_reject_wildcards() {
        let routes = Routes::default();
        let a = routes
            .outbound("t/1?retain=true", None, QoS::AtLeastOnce)
            .unwrap();
        let b = routes
            .outbound("t/1?retain=true", None, QoS::AtLeastOnce)
            .unwrap();
        assert!(core::ptr::eq(a, b));
        assert!(a.retain);
        let latest = routes
            .outbound("t/2", Some(BufferKind::SingleLatest), QoS::AtMostOnce)
            .unwrap();
        assert!(latest.retain);
        assert_eq!(latest.qos, QoS::AtMostOnce);
        assert_eq!(
            routes.outbound("t/+", None, QoS::AtLeastOnce).unwrap_err(),
            LinkError::BadTopic
        );
    }
}
