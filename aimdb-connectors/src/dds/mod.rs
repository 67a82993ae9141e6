//! DDS on tokio (`dds://TOPIC?domain=D&partition=P&strength=S&type=T`, feature `dds`):
//! records linked to DDS topics through [rustdds](https://docs.rs/rustdds) (pure Rust RTPS),
//! so ROS 2 nodes, Eclipse Cyclone DDS and other DDS implementations read and write them.
//!
//! ```ignore
//! use aimdb_connectors::dds::{DdsConfig, DdsConnector};
//! let dds = DdsConnector::start(DdsConfig::loopback())?; // inside a tokio runtime
//! // links: `dds://plant/temperature?strength=10&type=plant::Reading` with `codec = "cdr"`
//! ```
//!
//! - **Addresses** are checked at compile time by the scheme's grammar
//!   ([`aimdb_core::address::dds`]): the topic, `domain` (0 to 232), `partition` (one
//!   name, announced as the endpoint's PARTITION QoS through the vendored rustdds's patch;
//!   default: the default partition), the writer's ownership `strength`, and the DDS `type`
//!   name (default: the topic with `/` as `::`).
//! - **Payloads** are CDR: the record's codec is `cdr` (`aimdb::codec::Cdr`), which writes
//!   the XCDR1 encapsulation header and body that DDS peers read. The connector hands the
//!   body to rustdds as is; a payload that is not XCDR1 little-endian is counted as an
//!   encode error and skipped.
//! - **QoS** follows the record's buffer kind ([`qos::writer`]): `SpmcRing { N }` is
//!   RELIABLE KEEP_LAST N, `SingleLatest` KEEP_LAST 1 TRANSIENT_LOCAL (a late joiner gets
//!   the current value), `Mailbox` KEEP_LAST 1 VOLATILE. Every topic is EXCLUSIVE: the
//!   record's one owner writes with the strength fixed in the topology.
//! - **Ownership at our readers**: only the topic's owner (the strongest live EXCLUSIVE
//!   writer discovery reports) is delivered; other writers' samples are refused and
//!   counted ([`DdsStats::foreign_writer`]). rustdds itself does not filter by ownership.
//! - **The contract header** (`aimdb_core::contract`) cannot ride in a DDS sample: a DDS
//!   peer reads the sample as CDR from its first byte. The connector takes it off outbound
//!   and, inbound, puts the reader's own fingerprint back in front: on DDS the type name
//!   is what both ends agree on (rustdds cannot send USER_DATA or TOPIC_DATA QoS, where a
//!   fingerprint could otherwise travel). See `docs/contract.md`.
//! - **Discovery** uses the interfaces of [`DdsConfig::only_networks`]; rustdds then joins
//!   multicast and advertises locators there only, but binds its unicast sockets to the
//!   wildcard address, so confining traffic to one host needs a network namespace (the
//!   test makes one).
//! - **Back-pressure**: [`publish`](Connector::publish) writes through rustdds at once; a
//!   RELIABLE writer whose send window is full blocks up to [`qos::MAX_BLOCKING`] (100 ms)
//!   and then drops the value (`dropped`, `PublishError::Full`).

mod counters;
mod domain;
mod owners;
pub mod qos;
mod sample;

use core::sync::atomic::{AtomicI32, Ordering};
use core::task::{Context, Poll};
use std::boxed::Box;
use std::net::{IpAddr, Ipv4Addr};
use std::string::{String, ToString};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::vec::Vec;

use aimdb_core::address::Direction;
use aimdb_core::address::dds::DdsAddress;
use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{Connector, InboundRoute, PublishError, Skipped};
use aimdb_core::contract::{self, Fingerprint, HEADER_LEN};
use rustdds::bytes::BytesMut;
use rustdds::dds::result::WriteError;
use rustdds::{DataWriterStatus, RTPSEntity, RepresentationIdentifier, StatusEvented};

pub use counters::{DdsStats, LinkStats};
pub use sample::MAX_BODY;

use crate::counters::{bump, count_skipped};
use counters::{DdsCounters, LinkCounters};
use domain::{Domain, Writer};

mod run;

/// Settings of a [`DdsConnector`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DdsConfig {
    /// The local addresses whose interfaces discovery and multicast use (rustdds's
    /// `with_only_networks`); empty: every interface.
    pub only_networks: Vec<IpAddr>,
}

impl DdsConfig {
    /// Every interface.
    pub fn new() -> Self {
        DdsConfig::default()
    }

    /// Loopback only (127.0.0.1): discovery announces and joins multicast there alone.
    pub fn loopback() -> Self {
        DdsConfig {
            only_networks: std::vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
        }
    }
}

/// One link address (either direction, or both).
struct Link {
    address: &'static str,
    topic: String,
    type_name: String,
    /// `partition=`, if given (`None`: the default partition).
    partition: Option<String>,
    domain: Arc<Domain>,
    counters: LinkCounters,
    writer: OnceLock<Mutex<Outbound>>,
    fingerprint: OnceLock<Fingerprint>,
    /// Readers matched with the writer, as its last PUBLICATION_MATCHED event said.
    matched: AtomicI32,
}

/// A link's writer and the arena its samples are cut from.
struct Outbound {
    writer: Writer,
    /// rustdds's writer takes each sample as an owned `Bytes` and keeps it for resends.
    /// Samples are cut from this one allocation (`split().freeze()`); once rustdds has
    /// dropped every sample cut from it, `reserve` takes it back, so a value costs no
    /// allocation of its own (a new arena only when rustdds still holds the old one).
    arena: BytesMut,
}

/// The size of a link's sample arena.
const ARENA: usize = 64 * 1024;

/// The DDS connector: one rustdds participant per domain id the links use.
pub struct DdsConnector {
    config: DdsConfig,
    runtime: tokio::runtime::Handle,
    domains: Mutex<Vec<Arc<Domain>>>,
    links: RwLock<Vec<Arc<Link>>>,
    counters: Arc<DdsCounters>,
}

impl DdsConnector {
    /// Create the connector (leaked once: it lives as long as the process, like the
    /// records it links) on the current tokio runtime, where its reader tasks will run.
    /// Participants are made when the first link of their domain is declared.
    pub fn start(config: DdsConfig) -> std::io::Result<&'static Self> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            std::io::Error::other("DdsConnector::start must be called inside a tokio runtime")
        })?;
        Ok(Box::leak(Box::new(DdsConnector {
            config,
            runtime,
            domains: Mutex::new(Vec::new()),
            links: RwLock::new(Vec::new()),
            counters: Arc::new(DdsCounters::new()),
        })))
    }

    /// A snapshot of the connector-wide counters.
    pub fn stats(&self) -> DdsStats {
        self.counters.snapshot()
    }

    /// A snapshot of the counters of the link at `address` (the URL without `dds://`).
    pub fn link_stats(&self, address: &str) -> Option<LinkStats> {
        self.find(address).map(|link| link.counters.snapshot())
    }

    /// How many readers the writer of `address` is matched with now (`None`: no writer
    /// there), from the writer's PUBLICATION_MATCHED events. What a test waits on before
    /// publishing to a peer.
    pub fn matched_readers(&self, address: &str) -> Option<i32> {
        let link = self.find(address)?;
        let outbound = link.writer.get()?.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(event) = outbound.writer.try_recv_status() {
            if let DataWriterStatus::PublicationMatched { current, .. } = event {
                link.matched.store(current.count(), Ordering::Relaxed);
            }
        }
        Some(link.matched.load(Ordering::Relaxed))
    }

    fn find(&self, address: &str) -> Option<Arc<Link>> {
        let links = self.links.read().unwrap_or_else(|p| p.into_inner());
        links.iter().find(|l| l.address == address).cloned()
    }

    fn domain(&self, id: u16) -> Result<Arc<Domain>, String> {
        let mut domains = self.domains.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(domain) = domains.iter().find(|d| d.id == id) {
            return Ok(domain.clone());
        }
        let domain = Arc::new(Domain::new(id, &self.config)?);
        bump(&self.counters.participants);
        run::drain_discovery(&self.runtime, domain.owners.clone());
        domains.push(domain.clone());
        Ok(domain)
    }

    /// The link at `address`, made on first use; `None` (logged and counted) when the
    /// address or its participant cannot be.
    fn link(&self, address: &'static str, direction: Direction) -> Option<Arc<Link>> {
        if let Some(link) = self.find(address) {
            return Some(link);
        }
        let made = DdsAddress::parse(address, direction)
            .map_err(|e| e.to_string())
            .and_then(|parsed| self.make_link(address, &parsed));
        match made {
            Ok(link) => {
                let mut links = self.links.write().unwrap_or_else(|p| p.into_inner());
                links.push(link.clone());
                Some(link)
            }
            Err(why) => {
                tracing::error!(target: "aimdb::dds", address, %why, "link refused");
                bump(&self.counters.invalid_links);
                None
            }
        }
    }

    fn make_link(
        &self,
        address: &'static str,
        parsed: &DdsAddress<'_>,
    ) -> Result<Arc<Link>, String> {
        let type_name = match parsed.type_name {
            Some(name) => name.to_string(),
            None => parsed.topic.replace('/', "::"),
        };
        Ok(Arc::new(Link {
            address,
            topic: parsed.topic.to_string(),
            type_name,
            partition: parsed.partition.map(str::to_string),
            domain: self.domain(parsed.domain_id())?,
            counters: LinkCounters::new(),
            writer: OnceLock::new(),
            fingerprint: OnceLock::new(),
            matched: AtomicI32::new(0),
        }))
    }

    /// The writer of `link`, made with the QoS of `kind` on first use.
    fn writer<'l>(&self, link: &'l Link, kind: BufferKind) -> Option<&'l Mutex<Outbound>> {
        if let Some(writer) = link.writer.get() {
            return Some(writer);
        }
        let strength = DdsAddress::parse(link.address, Direction::Outbound)
            .map(|a| a.ownership_strength())
            .unwrap_or(0);
        let partition = link.partition.as_deref();
        let qos = qos::in_partition(qos::writer(kind, strength), partition);
        match link.domain.writer(&link.topic, &link.type_name, qos) {
            Ok(writer) => {
                link.domain
                    .owners
                    .local(writer.guid(), &link.topic, partition, strength);
                let arena = BytesMut::with_capacity(ARENA);
                Some(
                    link.writer
                        .get_or_init(|| Mutex::new(Outbound { writer, arena })),
                )
            }
            Err(why) => {
                tracing::error!(target: "aimdb::dds", address = link.address, %why, "no writer");
                bump(&self.counters.invalid_links);
                None
            }
        }
    }

    /// The CDR body of an outbound payload: the contract header off (when the link
    /// declared one), the XCDR1 little-endian encapsulation checked and off.
    fn body<'p>(link: &Link, payload: &'p [u8]) -> Option<&'p [u8]> {
        let cdr = match link.fingerprint.get() {
            Some(_) => contract::split(payload).ok()?.1,
            None => payload,
        };
        let (header, body) = cdr.split_first_chunk::<4>()?;
        (header[..2] == RepresentationIdentifier::CDR_LE.to_bytes()).then_some(body)
    }
}

impl Connector for DdsConnector {
    fn poll_ready(&self, _: &mut Context<'_>) -> Poll<()> {
        // rustdds's write applies the back-pressure itself (see the module docs).
        Poll::Ready(())
    }

    fn publish(&self, address: &str, payload: &[u8]) -> Result<(), PublishError> {
        let link = match self.find(address) {
            Some(link) => link,
            // An undeclared address: declared now, as a Mailbox (KEEP_LAST 1, VOLATILE).
            None => {
                let address: &'static str = Box::leak(address.to_string().into_boxed_str());
                self.register_outbound(address, BufferKind::Mailbox);
                self.find(address).ok_or(PublishError::NoRoute)?
            }
        };
        let writer = self
            .writer(&link, BufferKind::Mailbox)
            .ok_or(PublishError::NoRoute)?;
        let Some(body) = Self::body(&link, payload) else {
            bump(&link.counters.encode_errors);
            return Ok(());
        };
        let mut outbound = writer.lock().unwrap_or_else(|p| p.into_inner());
        if outbound.arena.capacity() < body.len() {
            outbound.arena.reserve(ARENA.max(body.len()));
        }
        outbound.arena.extend_from_slice(body);
        let sample = outbound.arena.split().freeze();
        match outbound.writer.write(sample, None) {
            Ok(()) => {
                bump(&link.counters.sent);
                Ok(())
            }
            Err(WriteError::WouldBlock { .. }) => {
                bump(&link.counters.dropped);
                Err(PublishError::Full)
            }
            Err(e) => {
                tracing::warn!(target: "aimdb::dds", address, error = %e, "write failed");
                bump(&link.counters.dropped);
                Err(PublishError::Full)
            }
        }
    }

    fn attach(&self, routes: &'static [InboundRoute]) {
        for route in routes {
            let Some(link) = self.link(route.address, Direction::Inbound) else {
                continue;
            };
            match link
                .domain
                .reader(&link.topic, &link.type_name, link.partition.as_deref())
            {
                Ok(reader) => run::spawn_reader(
                    &self.runtime,
                    self.counters.clone(),
                    link,
                    reader,
                    route.deliver,
                ),
                Err(why) => {
                    tracing::error!(target: "aimdb::dds", address = route.address, %why, "no reader");
                    bump(&self.counters.invalid_links);
                }
            }
        }
    }

    fn register_outbound(&self, address: &'static str, kind: BufferKind) {
        if let Some(link) = self.link(address, Direction::Outbound) {
            self.writer(&link, kind);
        }
    }

    fn skipped(&self, address: &str, skipped: Skipped) {
        if let Some(link) = self.find(address) {
            let c = &link.counters;
            count_skipped(skipped, &c.lagged, &c.encode_errors, &c.oversize);
        }
    }

    fn declare_contract(&self, address: &'static str, fingerprint: Fingerprint) {
        // Either direction: `Outbound` parses every option a link_from takes too.
        if let Some(link) = self.link(address, Direction::Outbound) {
            let _ = link.fingerprint.set(fingerprint);
        }
    }
}

impl core::fmt::Debug for DdsConnector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DdsConnector")
            .field("config", &self.config)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// The bytes in front of an inbound payload: the declared fingerprint, if any.
fn header(link: &Link) -> Option<[u8; HEADER_LEN]> {
    link.fingerprint.get().map(|f| f.0)
}
