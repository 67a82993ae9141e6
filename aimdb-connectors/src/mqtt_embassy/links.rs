//! The embassy MQTT connector's link table, per-link options and counters, in fixed
//! storage: `L` links, topics up to [`TOPIC_MAX`] bytes.
//!
//! A link address is `topic` or `topic?qos=N&retain=B` (the URL without `mqtt://`), as for
//! the host connector. Options are parsed once, when the link is attached or first
//! published to.

/// The longest topic a link may have, in bytes (the scheme table's limit for embassy, so
/// a longer topic is a compile error).
pub const TOPIC_MAX: usize = aimdb_core::address::mqtt::EMBASSY_TOPIC_MAX;

use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::FamilyRoute;

use crate::kit::links::Deliver;
use crate::kit::outbox::Overflow;

/// The options of one link address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkOptions<'a> {
    /// The topic (or, inbound, topic filter).
    pub topic: &'a str,
    /// `qos=0|1|2`, if given.
    pub qos: Option<u8>,
    /// `retain=true|false`, if given.
    pub retain: Option<bool>,
}

/// Why a link address was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkError {
    /// Empty, longer than [`TOPIC_MAX`], or with `+`/`#` where a topic name is needed.
    BadTopic,
    /// An unknown, repeated or malformed `?` option, or a topic routed twice.
    BadOption,
    /// All `L` link slots are in use.
    Full,
}

impl core::fmt::Display for LinkError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            LinkError::BadTopic => {
                "bad topic: empty, too long, or a wildcard where a topic name is needed"
            }
            LinkError::BadOption => {
                "an unknown, repeated or malformed option, or a topic routed twice"
            }
            LinkError::Full => "all link slots are in use",
        })
    }
}

impl core::error::Error for LinkError {}

impl<'a> LinkOptions<'a> {
    /// Parse `topic?qos=1&retain=true` with the scheme's one grammar
    /// ([`aimdb_core::address::mqtt`], the same code the compiler checks URLs with), and
    /// this connector's own limit, [`TOPIC_MAX`].
    pub fn parse(address: &'a str) -> Result<Self, LinkError> {
        use aimdb_core::address::{AddressErrorKind as Kind, Direction, mqtt::MqttAddress};
        let parsed = MqttAddress::parse(address, Direction::Inbound).map_err(|e| match e.kind {
            Kind::UnknownOption | Kind::RepeatedOption | Kind::BadValue { .. } => {
                LinkError::BadOption
            }
            _ => LinkError::BadTopic,
        })?;
        if parsed.topic.len() > TOPIC_MAX {
            return Err(LinkError::BadTopic);
        }
        Ok(LinkOptions {
            topic: parsed.topic,
            qos: parsed.qos,
            retain: parsed.retain,
        })
    }

    /// Whether the topic holds `+` or `#` wildcards (allowed inbound only).
    pub fn is_filter(&self) -> bool {
        self.topic.contains(['+', '#'])
    }
}

#[derive(Clone, Copy)]
pub(crate) struct Slot {
    pub(crate) topic: [u8; TOPIC_MAX],
    pub(crate) topic_len: usize,
    pub(crate) qos: u8,
    pub(crate) retain: bool,
    pub(crate) deliver: Option<Deliver>,
    /// A record family's route: the slot's topic is its filter (`climate/+/reading`).
    pub(crate) family: Option<&'static FamilyRoute>,
    /// What a full outbound queue does with this link's values (its record's buffer kind).
    pub(crate) overflow: Overflow,
}

impl Slot {
    pub(crate) fn topic(&self) -> &str {
        // Copied from a `&str` in full, so always valid UTF-8.
        core::str::from_utf8(&self.topic[..self.topic_len]).unwrap_or("")
    }
}

/// Topics to slots; searched linearly (`L` is small).
pub(crate) struct LinkTable<const L: usize> {
    pub(crate) slots: [Slot; L],
    pub(crate) used: usize,
}

impl<const L: usize> LinkTable<L> {
    pub(crate) const fn new() -> Self {
        LinkTable {
            slots: [Slot {
                topic: [0; TOPIC_MAX],
                topic_len: 0,
                qos: 0,
                retain: false,
                deliver: None,
                family: None,
                overflow: Overflow::Refuse,
            }; L],
            used: 0,
        }
    }

    fn find_topic(&self, topic: &str) -> Option<usize> {
        self.slots[..self.used]
            .iter()
            .position(|slot| slot.topic() == topic)
    }

    fn claim(&mut self, options: &LinkOptions<'_>, default_qos: u8) -> Option<usize> {
        let index = self.used;
        let slot = self.slots.get_mut(index)?;
        slot.topic[..options.topic.len()].copy_from_slice(options.topic.as_bytes());
        slot.topic_len = options.topic.len();
        slot.qos = options.qos.unwrap_or(default_qos);
        slot.retain = options.retain.unwrap_or(false);
        slot.deliver = None;
        slot.family = None;
        slot.overflow = Overflow::Refuse;
        self.used += 1;
        Some(index)
    }

    /// The slot of an outbound address, claimed (options parsed) on first use.
    pub(crate) fn outbound(&mut self, address: &str, default_qos: u8) -> Result<usize, LinkError> {
        // Options are parsed only when the topic is new: a known topic is found by a string
        // comparison.
        let topic = address.split_once('?').map_or(address, |(topic, _)| topic);
        if let Some(index) = self.find_topic(topic) {
            return Ok(index);
        }
        let options = LinkOptions::parse(address)?;
        if options.is_filter() {
            return Err(LinkError::BadTopic);
        }
        self.claim(&options, default_qos).ok_or(LinkError::Full)
    }

    /// Register an outbound address (claimed on first use, as by [`outbound`](Self::outbound))
    /// with its record's buffer kind: a `SingleLatest` record is retained unless the URL
    /// says `retain=`, and the kind sets the link's [`Overflow`].
    pub(crate) fn register_outbound(
        &mut self,
        address: &str,
        default_qos: u8,
        kind: BufferKind,
    ) -> Result<usize, LinkError> {
        let index = self.outbound(address, default_qos)?;
        if LinkOptions::parse(address)?.retain.is_none() {
            self.slots[index].retain = kind == BufferKind::SingleLatest;
        }
        self.slots[index].overflow = Overflow::of(kind);
        Ok(index)
    }

    /// Route an inbound address; returns its slot.
    pub(crate) fn attach(
        &mut self,
        address: &str,
        deliver: Deliver,
        default_qos: u8,
    ) -> Result<usize, LinkError> {
        let options = LinkOptions::parse(address)?;
        if options.is_filter() {
            // Wildcard filters would need topic matching per message; not supported here.
            return Err(LinkError::BadTopic);
        }
        let index = match self.find_topic(options.topic) {
            Some(index) if self.slots[index].deliver.is_none() => index,
            Some(_) => return Err(LinkError::BadOption),
            None => self.claim(&options, default_qos).ok_or(LinkError::Full)?,
        };
        let slot = &mut self.slots[index];
        slot.deliver = Some(deliver);
        slot.qos = options.qos.unwrap_or(slot.qos);
        Ok(index)
    }

    /// Route a record family's filter (`climate/+/reading`, one subscription for every
    /// instance); returns its slot.
    pub(crate) fn attach_family(
        &mut self,
        route: &'static FamilyRoute,
        default_qos: u8,
    ) -> Result<usize, LinkError> {
        let options = LinkOptions::parse(route.filter)?;
        let index = match self.find_topic(options.topic) {
            Some(_) => return Err(LinkError::BadOption),
            None => self.claim(&options, default_qos).ok_or(LinkError::Full)?,
        };
        self.slots[index].family = Some(route);
        Ok(index)
    }

    /// The slot and route of an arrived topic.
    pub(crate) fn inbound(&self, topic: &str) -> Option<(usize, Deliver)> {
        let index = self.find_topic(topic)?;
        Some((index, self.slots[index].deliver?))
    }

    /// The family slot whose filter has `topic`'s shape, with the family's route and the
    /// topic's instance (`None`: an instance outside the declared set). Per family, never
    /// per instance: the instance is found by binary search in the route's sorted table.
    pub(crate) fn family(
        &self,
        topic: &str,
    ) -> Option<(usize, &'static FamilyRoute, Option<usize>)> {
        self.slots[..self.used]
            .iter()
            .enumerate()
            .find_map(|(index, slot)| {
                let route = slot.family?;
                let name = FamilyRoute::instance_level(slot.topic(), route.level, topic)?;
                Some((index, route, route.instance(name)))
            })
    }

    /// Whether any inbound link is subscribed at QoS 1 (what a kept session is for).
    pub(crate) fn observes_at_least_once(&self) -> bool {
        self.slots[..self.used]
            .iter()
            .any(|slot| (slot.deliver.is_some() || slot.family.is_some()) && slot.qos > 0)
    }

    /// The slot of a topic or address.
    pub(crate) fn slot(&self, address: &str) -> Option<usize> {
        self.find_topic(LinkOptions::parse(address).ok()?.topic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(_: &[u8]) -> Result<(), aimdb_core::connector::CodecError> {
        Ok(())
    }

    static SORTED: [(&str, usize); 2] = [("a", 0), ("b", 1)];
    static FAMILY: FamilyRoute = FamilyRoute {
        filter: "zone/+/value?qos=1",
        level: 1,
        instances: &SORTED,
        deliver: |_, _| Ok(()),
    };

    #[test]
    fn a_family_is_one_slot_matched_by_shape() {
        let mut table = LinkTable::<4>::new();
        let exact = table.attach("zone/all/value", ok, 0).unwrap();
        let family = table.attach_family(&FAMILY, 0).unwrap();
        assert_eq!(table.slots[family].topic(), "zone/+/value");
        assert_eq!(table.slots[family].qos, 1);
        assert!(table.observes_at_least_once());
        // An exact route is found first; the family takes the other topics of its shape.
        assert_eq!(table.inbound("zone/all/value").map(|(s, _)| s), Some(exact));
        assert!(table.inbound("zone/b/value").is_none());
        let hit = table.family("zone/b/value").map(|(s, _, i)| (s, i));
        assert_eq!(hit, Some((family, Some(1))));
        // Of the family's shape, but not a declared instance; of another shape.
        let stranger = table.family("zone/x/value").map(|(s, _, i)| (s, i));
        assert_eq!(stranger, Some((family, None)));
        assert!(table.family("zone/a/value/extra").is_none());
        assert!(table.family("room/a/value").is_none());
        // The filter once only.
        assert_eq!(table.attach_family(&FAMILY, 0), Err(LinkError::BadOption));
    }

    #[test]
    fn parses_link_options() {
        let link = LinkOptions::parse("a/b?qos=0&retain=true").unwrap();
        assert_eq!(
            (link.topic, link.qos, link.retain),
            ("a/b", Some(0), Some(true))
        );
        assert_eq!(LinkOptions::parse("a/b").unwrap().qos, None);
        assert_eq!(LinkOptions::parse("?qos=1"), Err(LinkError::BadTopic));
        assert_eq!(LinkOptions::parse("a?qos=3"), Err(LinkError::BadOption));
        assert_eq!(
            LinkOptions::parse("a?qos=1&qos=0"),
            Err(LinkError::BadOption)
        );
        assert_eq!(LinkOptions::parse("a?speed=9"), Err(LinkError::BadOption));
        let long = [b'x'; TOPIC_MAX + 1];
        let long = core::str::from_utf8(&long).unwrap();
        assert_eq!(LinkOptions::parse(long), Err(LinkError::BadTopic));
    }

    #[test]
    fn a_single_latest_link_is_retained_unless_its_url_says_otherwise() {
        let mut table = LinkTable::<4>::new();
        // A SingleLatest link is retained unless its URL says otherwise.
        let ring_kind = BufferKind::SpmcRing { capacity: 4 };
        let latest = table
            .register_outbound("t/latest", 1, BufferKind::SingleLatest)
            .unwrap();
        let ring = table.register_outbound("t/ring", 1, ring_kind).unwrap();
        let refused = table
            .register_outbound("t/no-retain?retain=false", 1, BufferKind::SingleLatest)
            .unwrap();
        let retained = |i: usize| table.slots[i].retain;
        assert_eq!(
            (retained(latest), retained(ring), retained(refused)),
            (true, false, false)
        );
        // Registering again (the link task's first publish came first) keeps the default.
        assert_eq!(
            table.register_outbound("t/latest", 1, BufferKind::SingleLatest),
            Ok(latest)
        );
        assert!(table.slots[latest].retain);
        let overflow = |i: usize| table.slots[i].overflow;
        assert_eq!(
            (overflow(latest), overflow(ring)),
            (Overflow::Latest, Overflow::Ring)
        );
    }

    #[test]
    fn table_parses_once_and_rejects_what_it_cannot_serve() {
        let mut table = LinkTable::<2>::new();
        let out = table.outbound("t/1?qos=0&retain=true", 1).unwrap();
        assert_eq!(table.outbound("t/1?qos=0&retain=true", 1), Ok(out));
        assert_eq!((table.slots[out].qos, table.slots[out].retain), (0, true));
        assert_eq!(table.outbound("t/+", 1), Err(LinkError::BadTopic));
        assert_eq!(table.attach("in/+", ok, 1), Err(LinkError::BadTopic));
        let inbound = table.attach("in/1?qos=1", ok, 0).unwrap();
        assert_eq!(table.attach("in/1", ok, 0), Err(LinkError::BadOption));
        assert_eq!(table.inbound("in/1").map(|(slot, _)| slot), Some(inbound));
        assert!(table.inbound("t/1").is_none(), "outbound only");
        assert_eq!(table.attach("in/2", ok, 0), Err(LinkError::Full));
        assert_eq!(table.slot("in/1?qos=0"), Some(inbound));
    }
}
