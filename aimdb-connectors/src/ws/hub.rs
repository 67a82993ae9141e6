//! The connector's state shared by `publish` and the client sessions: outbound links, the
//! last message of each replayed link, the fan-out channel, and the inbound routes.
//!
//! Wire format (JSON text frames; `key` is the link's path, by convention the record key):
//!
//! ```text
//! server -> client  {"type":"hello","title":..,"readable":[paths],"writable":[paths],
//!                    "contracts":{path:"<fingerprint>",..},
//!                    "families":[{"path":"climate/{instance}/reading","instances":[..],
//!                                 "nodes":["sensor-0",..]},..]}      (WsConfig::families)
//!                   {"type":"value","key":"climate/zone-a/reading","value":<serializer's JSON>,
//!                    "ts":<ms since the Unix epoch, taken by the server at publish>,"seq":<n>,
//!                    "fingerprint":"<16 hex digits>"}   (the last on named-codec links only)
//!                   {"type":"written","key":..}            a write was delivered
//!                   {"type":"node","node":"sensor","online":true|false|null}
//!                                                          a producer's liveness changed
//!                   {"type":"counters","key":..,"counters":{"decode_errors":n,..}}
//!                                                          what a record's link refused
//!                   {"type":"error","key":..|null,"error":"why",
//!                    "code":"schema_mismatch"}             (code: a refused contract only)
//! client -> server  {"key":"climate/zone-a/setpoint","value":<JSON for the deserializer>,
//!                    "fingerprint":"<16 hex digits>"}   (optional: the node's own if left out)
//! ```
//!
//! A named codec's contract header (`aimdb_core::contract`, 8 bytes in front of the JSON)
//! is the envelope's `fingerprint` field here: the JSON value stays plain JSON for the page.
//!
//! Node peers (`/link/PATH`, see `peer.rs`) get none of the above: each value is one binary
//! message holding the payload exactly as the link's codec wrote it (contract header
//! included), from a channel of their link's own.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::time::Duration;
use std::collections::{BTreeMap, HashMap};
use std::string::{String, ToString};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use std::vec::Vec;

use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{CodecError, InboundRoute, PublishError};
use aimdb_core::contract::{self, Fingerprint, HEADER_LEN};
use serde_json::Value;
use tokio::sync::{Notify, broadcast};
use tokio_tungstenite::tungstenite::{Bytes, Utf8Bytes};

use super::config::{LinkError, LinkOptions, WsConfig};
use super::counters::{ConnectorCounters, LinkCounters, bump};

/// One outbound link: its path, whether its last message is replayed, its counters.
pub(crate) struct Outbound {
    path: String,
    keep_latest: bool,
    seq: AtomicU64,
    pub(crate) counters: LinkCounters,
}

/// One inbound link: the route that decodes and produces, its counters.
pub(crate) struct Inbound {
    route: InboundRoute,
    pub(crate) counters: LinkCounters,
}

/// What `publish` and a new session must see consistently: a session subscribes and copies
/// the replayed messages under the same lock a publish holds while it stores and sends, so
/// a client gets every value exactly once (replayed or live, never both, never neither).
struct State {
    outbound: HashMap<String, Arc<Outbound>>,
    latest: BTreeMap<String, Utf8Bytes>,
    /// The last `{"type":"node",..}` of each followed node and `{"type":"counters",..}` of
    /// each record, replayed to new clients.
    notices: BTreeMap<String, Utf8Bytes>,
    /// The last payload of each replayed link, as published: for node peers that connect.
    raw_latest: BTreeMap<String, Vec<u8>>,
    /// Each link path's channel to its node peers, made when the first one connects.
    peers: HashMap<String, broadcast::Sender<Bytes>>,
}

/// What a node peer's session at `/link/PATH` serves (`Hub::join_peer`).
pub(crate) struct PeerLink {
    /// The link's last payload, when it is replayed and one was published.
    pub(crate) first: Option<Bytes>,
    /// Every payload published on the path from now on, if this node writes it.
    pub(crate) live: Option<broadcast::Receiver<Bytes>>,
    /// The inbound link at the path, if this node reads it: the only binary values a peer
    /// may send.
    pub(crate) inbound: Option<Arc<Inbound>>,
}

/// Why a browser's message was not delivered.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// Not `{"key": "..", "value": ..}` JSON.
    Malformed(&'static str),
    /// No `link_from("ws://KEY")` on this node.
    NotWritable(String),
    /// The payload is larger than `max_payload`.
    Oversize(String),
    /// The record's deserializer rejected the value.
    Decode(String, CodecError),
}

/// One client's place among `max_clients`, and how far behind the published values it is.
pub(crate) struct Slot {
    /// Values published before this client subscribed (`u64::MAX` until it has).
    base: AtomicU64,
    /// Values the session took from the channel (received, or missed as lag).
    consumed: AtomicU64,
    /// Milliseconds since the hub's epoch when the client was first seen more than
    /// `channel_capacity` behind, plus one (0: it is not).
    stalled_since: AtomicU64,
    /// Set once the client is evicted (by itself on its deadline, or for a fresh client).
    evicted: AtomicBool,
    /// Wakes the session of an evicted client.
    evict: Notify,
}

impl Slot {
    /// Count values taken from the channel.
    pub(crate) fn consumed(&self, n: u64) {
        self.consumed.fetch_add(n, Ordering::Relaxed);
    }

    /// Wait until the client is evicted.
    pub(crate) async fn evicted(&self) {
        while !self.evicted.load(Ordering::SeqCst) {
            self.evict.notified().await;
        }
    }
}

/// Everything the sessions and the connector share.
pub(crate) struct Hub {
    state: Mutex<State>,
    tx: broadcast::Sender<Utf8Bytes>,
    /// Values sent into the channel since start (under `state`'s lock).
    published: AtomicU64,
    /// The clients connected now, each holding one of `max_clients` places.
    slots: Mutex<Vec<Arc<Slot>>>,
    max_clients: usize,
    channel_capacity: u64,
    pub(crate) stall_timeout: Duration,
    epoch: Instant,
    inbound: RwLock<HashMap<String, Arc<Inbound>>>,
    pub(crate) counters: ConnectorCounters,
    pub(crate) max_payload: usize,
    title: String,
    /// The hello's `families` array, as JSON (`[]` without families).
    families: String,
    /// Paths whose links carry the contract header (`declare_contract`), both directions.
    contracts: RwLock<HashMap<String, Fingerprint>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A JSON string literal.
fn quoted(text: &str) -> String {
    Value::from(text).to_string()
}

/// The hello's `families`: `[{"path":..,"instances":[..],"nodes":[..]},..]`.
fn families_json(families: &[super::config::WsFamily]) -> String {
    let list = |items: &[String]| {
        let quoted: Vec<String> = items.iter().map(|i| quoted(i)).collect();
        std::format!("[{}]", quoted.join(","))
    };
    let each: Vec<String> = families
        .iter()
        .map(|f| {
            std::format!(
                "{{\"path\":{},\"instances\":{},\"nodes\":{}}}",
                quoted(&f.path),
                list(&f.instances),
                list(&f.nodes)
            )
        })
        .collect();
    std::format!("[{}]", each.join(","))
}

/// Milliseconds since the Unix epoch (0 if the clock is before it).
fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

impl Hub {
    pub(crate) fn new(config: &WsConfig) -> Hub {
        let channel_capacity = config.channel_capacity;
        let max_payload = config.max_payload;
        let title = config.title.clone();
        let families = families_json(&config.families);
        Hub {
            state: Mutex::new(State {
                outbound: HashMap::new(),
                latest: BTreeMap::new(),
                notices: BTreeMap::new(),
                raw_latest: BTreeMap::new(),
                peers: HashMap::new(),
            }),
            tx: broadcast::channel(channel_capacity).0,
            published: AtomicU64::new(0),
            slots: Mutex::new(Vec::with_capacity(config.max_clients)),
            max_clients: config.max_clients,
            channel_capacity: channel_capacity as u64,
            stall_timeout: config.stall_timeout,
            epoch: Instant::now(),
            inbound: RwLock::new(HashMap::new()),
            counters: ConnectorCounters::default(),
            max_payload,
            title,
            families,
            contracts: RwLock::new(HashMap::new()),
        }
    }

    /// The link at `address` carries the contract header with `fingerprint`.
    pub(crate) fn declare_contract(
        &self,
        address: &str,
        fingerprint: Fingerprint,
    ) -> Result<(), LinkError> {
        let options = LinkOptions::parse(address)?;
        let mut contracts = self.contracts.write().unwrap_or_else(|p| p.into_inner());
        contracts.insert(options.path.to_string(), fingerprint);
        Ok(())
    }

    fn contract(&self, path: &str) -> Option<Fingerprint> {
        let contracts = self.contracts.read().unwrap_or_else(|p| p.into_inner());
        contracts.get(path).copied()
    }

    /// The outbound link at `address`, created on first use. `kind` (from
    /// `register_outbound`) decides the replay default: every buffer kind but `Mailbox`,
    /// whose values are one-shot instructions rather than state.
    pub(crate) fn outbound(
        &self,
        address: &str,
        kind: Option<BufferKind>,
    ) -> Result<Arc<Outbound>, LinkError> {
        let mut state = lock(&self.state);
        if let Some(link) = state.outbound.get(address) {
            return Ok(link.clone());
        }
        let options = LinkOptions::parse(address)?;
        let default = !matches!(kind, Some(BufferKind::Mailbox));
        let link = Arc::new(Outbound {
            path: options.path.to_string(),
            keep_latest: options.latest.unwrap_or(default),
            seq: AtomicU64::new(0),
            counters: LinkCounters::default(),
        });
        state.outbound.insert(address.to_string(), link.clone());
        Ok(link)
    }

    /// Send one serialized value to every client (and keep it for new ones): to the pages as
    /// a JSON envelope, to the link's node peers as the payload itself.
    pub(crate) fn publish(&self, link: &Outbound, payload: &[u8]) -> Result<(), PublishError> {
        if payload.len() > self.max_payload {
            bump(&link.counters.oversize);
            return Err(PublishError::Oversize);
        }
        let message = self.envelope(link, payload);
        let mut state = lock(&self.state);
        // Node peers get the bytes as the codec wrote them, JSON or not.
        let peers = state
            .peers
            .get(&link.path)
            .filter(|tx| tx.receiver_count() > 0)
            .cloned();
        let mut sent = false;
        if let Some(peers) = peers {
            sent |= peers.send(Bytes::copy_from_slice(payload)).is_ok();
        }
        if link.keep_latest {
            // Kept in place: no allocation once the link's first value is stored.
            match state.raw_latest.get_mut(&link.path) {
                Some(last) => {
                    last.clear();
                    last.extend_from_slice(payload);
                }
                None => {
                    state.raw_latest.insert(link.path.clone(), payload.to_vec());
                }
            }
        }
        if let Some(message) = message {
            if link.keep_latest {
                state.latest.insert(link.path.clone(), message.clone());
            }
            // No receiver is not an error: nobody is watching yet.
            let _ = self.tx.send(message);
            self.published.fetch_add(1, Ordering::Relaxed);
            sent = true;
        }
        drop(state);
        if sent {
            bump(&link.counters.sent);
        }
        Ok(())
    }

    /// The pages' `{"type":"value",..}` message of one payload, or `None` (counted as
    /// `not_json`) when the payload is not JSON: the pages cannot be sent it.
    fn envelope(&self, link: &Outbound, payload: &[u8]) -> Option<Utf8Bytes> {
        // A named codec's header becomes the envelope's `fingerprint`.
        let (payload, fingerprint) = match self.contract(&link.path) {
            Some(_) => match contract::split(payload) {
                Ok((fingerprint, body)) => {
                    (body, std::format!(",\"fingerprint\":\"{fingerprint}\""))
                }
                Err(_) => {
                    bump(&link.counters.not_json);
                    return None;
                }
            },
            None => (payload, String::new()),
        };
        // The serializer's bytes go into the message as they are, so they must be JSON:
        // checked here, once, rather than breaking every browser's parser.
        let json = match core::str::from_utf8(payload) {
            Ok(text) if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() => text,
            _ => {
                bump(&link.counters.not_json);
                return None;
            }
        };
        let seq = link.seq.fetch_add(1, Ordering::Relaxed) + 1;
        Some(Utf8Bytes::from(std::format!(
            "{{\"type\":\"value\",\"key\":{},\"value\":{json},\"ts\":{},\"seq\":{seq}{fingerprint}}}",
            quoted(&link.path),
            now_ms(),
        )))
    }

    /// What a node peer at `/link/PATH` is served: the replayed payload and the live channel
    /// if this node writes `path`, the inbound link if it reads it; `None` if neither (the
    /// upgrade is refused). The replay and the subscription are taken under the lock a
    /// publish holds, so the peer gets every value once.
    pub(crate) fn join_peer(&self, path: &str) -> Option<PeerLink> {
        let inbound = self
            .inbound
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(path)
            .cloned();
        let mut state = lock(&self.state);
        let writes = state.outbound.values().any(|link| link.path == path);
        if !writes && inbound.is_none() {
            return None;
        }
        let (first, live) = if writes {
            let first = state
                .raw_latest
                .get(path)
                .map(|last| Bytes::copy_from_slice(last));
            let capacity = self.channel_capacity as usize;
            let tx = state
                .peers
                .entry(path.to_string())
                .or_insert_with(|| broadcast::channel(capacity).0);
            (first, Some(tx.subscribe()))
        } else {
            (None, None)
        };
        Some(PeerLink {
            first,
            live,
            inbound,
        })
    }

    /// Deliver one binary value a node peer sent on its link: only to an inbound link of
    /// this node (the peer's own record, which the topology gives it to write); anything
    /// else is counted and skipped, the session goes on.
    pub(crate) fn peer_write(&self, inbound: Option<&Inbound>, payload: &[u8]) {
        let Some(link) = inbound else {
            // A value on a path this node writes or does not read: not the peer's to send.
            // Logged the first time, counted always.
            if self
                .counters
                .peer_refused
                .fetch_add(1, core::sync::atomic::Ordering::Relaxed)
                == 0
            {
                tracing::warn!(
                    target: "aimdb::ws",
                    "a node peer wrote on a link it does not own; refused (logged once, counted in `peer_refused`)"
                );
            }
            return;
        };
        if payload.len() > self.max_payload {
            bump(&link.counters.oversize);
            return;
        }
        crate::counters::count_delivery(
            (link.route.deliver)(payload),
            &link.counters.received,
            &link.counters.decode_errors,
            &link.counters.oversize,
            &link.counters.schema_mismatch,
        );
    }

    /// Tell the pages whether node `node` is up (`None`: not known), when it changed:
    /// `{"type":"node","node":"sensor","online":true|false|null}`, also sent to every client
    /// that joins later.
    pub(crate) fn set_node_online(&self, node: &str, online: Option<bool>) {
        let state_text = online.map_or("null", |up| if up { "true" } else { "false" });
        let message = std::format!(
            "{{\"type\":\"node\",\"node\":{},\"online\":{state_text}}}",
            quoted(node)
        );
        self.notice(std::format!("node/{node}"), message);
    }

    /// Tell the pages what a record's link refused (`decode_errors`, `oversize`, ...), when
    /// it changed: `{"type":"counters","key":..,"counters":{"decode_errors":0,..}}`.
    pub(crate) fn set_link_counters(&self, key: &str, counters: &[(&str, u64)]) {
        let fields: Vec<String> = counters
            .iter()
            .map(|(name, n)| std::format!("{}:{n}", quoted(name)))
            .collect();
        let message = std::format!(
            "{{\"type\":\"counters\",\"key\":{},\"counters\":{{{}}}}}",
            quoted(key),
            fields.join(",")
        );
        self.notice(std::format!("counters/{key}"), message);
    }

    /// Send `message` to every client and keep it for those that join later, unless it is
    /// what `slot` already says.
    fn notice(&self, slot: String, message: String) {
        let message = Utf8Bytes::from(message);
        let mut state = lock(&self.state);
        if state.notices.get(&slot) == Some(&message) {
            return;
        }
        state.notices.insert(slot, message.clone());
        let _ = self.tx.send(message);
        self.published.fetch_add(1, Ordering::Relaxed);
    }

    /// Add inbound routes, by path. A bad address is returned, not added.
    pub(crate) fn attach(&self, routes: &'static [InboundRoute]) -> Vec<(&'static str, LinkError)> {
        let mut rejected = Vec::new();
        let mut inbound = self.inbound.write().unwrap_or_else(|p| p.into_inner());
        for route in routes {
            match LinkOptions::parse(route.address) {
                // `latest` only means something outbound; an inbound path takes no options.
                Ok(options) if options.latest.is_some() => {
                    rejected.push((route.address, LinkError::UnknownOption))
                }
                Ok(options) => {
                    let link = Arc::new(Inbound {
                        route: *route,
                        counters: LinkCounters::default(),
                    });
                    inbound.insert(options.path.to_string(), link);
                }
                Err(error) => rejected.push((route.address, error)),
            }
        }
        rejected
    }

    /// Take a place for a new client: a free one, else the one of the most stalled client
    /// (evicted, counted). `None` if every place is held by a client that keeps up.
    pub(crate) fn admit(&self) -> Option<Arc<Slot>> {
        let mut slots = lock(&self.slots);
        if slots.len() >= self.max_clients {
            let now = self.now_ms();
            // Most stalled: stalled the longest (a client not yet seen stalled by its own
            // session counts from now), then furthest behind.
            let victim = slots
                .iter()
                .enumerate()
                .filter_map(|(at, slot)| {
                    let behind = self.behind(slot);
                    (behind > self.channel_capacity).then(|| {
                        let since = match slot.stalled_since.load(Ordering::Relaxed) {
                            0 => now,
                            since => since - 1,
                        };
                        (at, since, behind)
                    })
                })
                .min_by_key(|&(_, since, behind)| (since, core::cmp::Reverse(behind)));
            let (at, _, _) = victim?;
            let slot = slots.swap_remove(at);
            self.evict_removed(&slot);
        }
        let slot = Arc::new(Slot {
            base: AtomicU64::new(u64::MAX),
            consumed: AtomicU64::new(0),
            stalled_since: AtomicU64::new(0),
            evicted: AtomicBool::new(false),
            evict: Notify::new(),
        });
        slots.push(slot.clone());
        self.counters
            .clients
            .store(slots.len() as u64, Ordering::Relaxed);
        Some(slot)
    }

    /// Give a client's place back (its session ended); nothing if it was evicted.
    pub(crate) fn leave(&self, slot: &Arc<Slot>) {
        let mut slots = lock(&self.slots);
        if let Some(at) = slots.iter().position(|s| Arc::ptr_eq(s, slot)) {
            slots.swap_remove(at);
        }
        self.counters
            .clients
            .store(slots.len() as u64, Ordering::Relaxed);
    }

    /// Whether the client has been more than `channel_capacity` behind for
    /// `stall_timeout`; if so it is evicted (counted) and its place freed. A client that
    /// has caught up is no longer stalled.
    pub(crate) fn stalled_too_long(&self, slot: &Arc<Slot>) -> bool {
        if slot.evicted.load(Ordering::SeqCst) {
            return true;
        }
        if self.behind(slot) <= self.channel_capacity {
            slot.stalled_since.store(0, Ordering::Relaxed);
            return false;
        }
        let now = self.now_ms();
        let since = match slot.stalled_since.load(Ordering::Relaxed) {
            0 => {
                slot.stalled_since.store(now + 1, Ordering::Relaxed);
                now
            }
            since => since - 1,
        };
        if now.saturating_sub(since) < self.stall_timeout.as_millis() as u64 {
            return false;
        }
        let mut slots = lock(&self.slots);
        if let Some(at) = slots.iter().position(|s| Arc::ptr_eq(s, slot)) {
            slots.swap_remove(at);
            self.evict_removed(slot);
        }
        self.counters
            .clients
            .store(slots.len() as u64, Ordering::Relaxed);
        true
    }

    /// Mark a client just removed from `slots` evicted, count it and wake its session.
    fn evict_removed(&self, slot: &Slot) {
        if !slot.evicted.swap(true, Ordering::SeqCst) {
            bump(&self.counters.evicted);
        }
        slot.evict.notify_one();
    }

    /// How many published values the client has not taken from the channel yet.
    fn behind(&self, slot: &Slot) -> u64 {
        let base = slot.base.load(Ordering::Relaxed);
        if base == u64::MAX {
            return 0;
        }
        let taken = base + slot.consumed.load(Ordering::Relaxed);
        self.published.load(Ordering::Relaxed).saturating_sub(taken)
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// A new client's start: the hello message and the replayed values, and a receiver
    /// for everything published after them. `slot` learns where in the stream it starts.
    pub(crate) fn join(&self, slot: &Slot) -> (Vec<Utf8Bytes>, broadcast::Receiver<Utf8Bytes>) {
        let writable: Vec<String> = {
            let inbound = self.inbound.read().unwrap_or_else(|p| p.into_inner());
            let mut paths: Vec<String> = inbound.keys().cloned().collect();
            paths.sort();
            paths
        };
        let state = lock(&self.state);
        let mut readable: Vec<&str> = state.outbound.values().map(|l| l.path.as_str()).collect();
        readable.sort_unstable();
        readable.dedup();
        let list = |paths: &mut dyn Iterator<Item = &str>| {
            let items: Vec<String> = paths.map(quoted).collect();
            std::format!("[{}]", items.join(","))
        };
        let contracts: Vec<String> = {
            let contracts = self.contracts.read().unwrap_or_else(|p| p.into_inner());
            let mut items: Vec<String> = contracts
                .iter()
                .map(|(path, fingerprint)| std::format!("{}:\"{fingerprint}\"", quoted(path)))
                .collect();
            items.sort();
            items
        };
        let hello = std::format!(
            "{{\"type\":\"hello\",\"title\":{},\"readable\":{},\"writable\":{},\"contracts\":{{{}}},\"families\":{}}}",
            quoted(&self.title),
            list(&mut readable.iter().copied()),
            list(&mut writable.iter().map(String::as_str)),
            contracts.join(","),
            self.families,
        );
        let mut first = Vec::with_capacity(1 + state.latest.len() + state.notices.len());
        first.push(Utf8Bytes::from(hello));
        first.extend(state.notices.values().cloned());
        first.extend(state.latest.values().cloned());
        let rx = self.tx.subscribe();
        slot.base
            .store(self.published.load(Ordering::Relaxed), Ordering::Relaxed);
        drop(state);
        (first, rx)
    }

    /// Deliver a browser's message `{"key": .., "value": ..}`; the key written, or why not.
    pub(crate) fn write(&self, text: &str) -> Result<String, WriteError> {
        let Ok(Value::Object(mut message)) = serde_json::from_str::<Value>(text) else {
            bump(&self.counters.malformed);
            return Err(WriteError::Malformed("expected a JSON object"));
        };
        let key = match message.remove("key") {
            Some(Value::String(key)) => key,
            _ => {
                bump(&self.counters.malformed);
                return Err(WriteError::Malformed("expected a string `key`"));
            }
        };
        let Some(value) = message.remove("value") else {
            bump(&self.counters.malformed);
            return Err(WriteError::Malformed("expected a `value`"));
        };
        let link = {
            let inbound = self.inbound.read().unwrap_or_else(|p| p.into_inner());
            inbound.get(&key).cloned()
        };
        let Some(link) = link else {
            if self
                .counters
                .rejected
                .fetch_add(1, core::sync::atomic::Ordering::Relaxed)
                == 0
            {
                tracing::warn!(
                    target: "aimdb::ws",
                    address = %key,
                    "a page wrote a record this node does not read; refused (logged once, counted in `rejected`)"
                );
            }
            return Err(WriteError::NotWritable(key));
        };
        let json = value.to_string();
        if json.len() > self.max_payload {
            bump(&link.counters.oversize);
            return Err(WriteError::Oversize(key));
        }
        // On a named-codec link the payload is the contract header, then the JSON: the
        // browser's `fingerprint` if it sent one, else the node's own (the page it serves
        // was built with the same record type).
        let payload = match self.contract(&key) {
            Some(own) => {
                let fingerprint = match message.get("fingerprint") {
                    None => own,
                    Some(given) => match given.as_str().and_then(Fingerprint::parse) {
                        Some(fingerprint) => fingerprint,
                        None => {
                            bump(&self.counters.malformed);
                            return Err(WriteError::Malformed(
                                "expected `fingerprint` as 16 hex digits",
                            ));
                        }
                    },
                };
                let mut payload = Vec::with_capacity(HEADER_LEN + json.len());
                payload.extend_from_slice(&fingerprint.0);
                payload.extend_from_slice(json.as_bytes());
                payload
            }
            None => json.into_bytes(),
        };
        let result = (link.route.deliver)(&payload);
        crate::counters::count_delivery(
            result,
            &link.counters.received,
            &link.counters.decode_errors,
            &link.counters.oversize,
            &link.counters.schema_mismatch,
        );
        match result {
            Ok(()) => Ok(key),
            Err(error) => Err(WriteError::Decode(key, error)),
        }
    }

    /// The counters of the link(s) at `path`, both directions added up.
    pub(crate) fn link_stats(&self, path: &str) -> Option<super::LinkStats> {
        let mut found: Vec<super::LinkStats> = Vec::new();
        if let Some(link) = self
            .inbound
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(path)
        {
            found.push(link.counters.snapshot());
        }
        for link in lock(&self.state).outbound.values() {
            if link.path == path {
                found.push(link.counters.snapshot());
            }
        }
        found.into_iter().reduce(|a, b| super::LinkStats {
            sent: a.sent + b.sent,
            received: a.received + b.received,
            not_json: a.not_json + b.not_json,
            lagged: a.lagged + b.lagged,
            encode_errors: a.encode_errors + b.encode_errors,
            decode_errors: a.decode_errors + b.decode_errors,
            oversize: a.oversize + b.oversize,
            schema_mismatch: a.schema_mismatch + b.schema_mismatch,
        })
    }
}

impl WriteError {
    /// The error message sent back to the client.
    pub(crate) fn message(&self) -> String {
        let (key, why) = match self {
            WriteError::Malformed(why) => (None, std::format!("malformed message: {why}")),
            WriteError::NotWritable(key) => (
                Some(key),
                std::format!(
                    "record `{key}` is not writable from the browser (this node has no `link_from(\"ws://{key}\")`)"
                ),
            ),
            WriteError::Oversize(key) => {
                (Some(key), "value larger than the node accepts".to_string())
            }
            WriteError::Decode(key, error) => (
                Some(key),
                std::format!("the record rejected the value: {error}"),
            ),
        };
        // A refused contract has its own code, so a page can count it apart.
        let code = match self {
            WriteError::Decode(_, CodecError::SchemaMismatch) => ",\"code\":\"schema_mismatch\"",
            _ => "",
        };
        std::format!(
            "{{\"type\":\"error\",\"key\":{},\"error\":{}{code}}}",
            key.map_or_else(|| "null".to_string(), |k| quoted(k)),
            quoted(&why)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::families_json;
    use crate::ws::WsFamily;

    #[test]
    fn the_hello_lists_each_family_with_its_instances_and_nodes() {
        assert_eq!(families_json(&[]), "[]");
        let family = WsFamily::new("climate/{instance}/reading", &["0", "1"], "sensor");
        let json: serde_json::Value = serde_json::from_str(&families_json(&[family])).unwrap();
        assert_eq!(
            json,
            serde_json::json!([{
                "path": "climate/{instance}/reading",
                "instances": ["0", "1"],
                "nodes": ["sensor-0", "sensor-1"],
            }])
        );
    }
}
