//! The link table: a connector's links by 32-bit id, with their routes, overflow policy
//! and counters, in fixed storage.
//!
//! A link is one address (one id) on a connector, used outbound, inbound or both. The
//! table has `L` slots, claimed by `attach`, `register_outbound` or the first publish to an
//! address; counters live in an array indexed by slot, so they are bumped without the
//! table's lock.

use core::cell::RefCell;

use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{CodecError, PublishError, Skipped};
use aimdb_core::mutex::RawMutex;
use embassy_sync::blocking_mutex::Mutex;

use super::outbox::{Overflow, Pushed};
use crate::counters::{LinkCounters32 as LinkCounters, bump, count_skipped};

/// A route's decode-and-produce function (`InboundRoute::deliver`).
pub type Deliver = fn(&[u8]) -> Result<(), CodecError>;

/// A snapshot of one link's counters.
pub use crate::counters::LinkStats32 as LinkStats;

#[derive(Clone, Copy)]
struct Slot {
    id: u32,
    /// The address, when it is known to be `'static` (attached or registered).
    address: Option<&'static str>,
    deliver: Option<Deliver>,
    overflow: Overflow,
}

/// Why a route could not be attached. The route is skipped and counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttachError {
    /// Its id is taken by another address (a hash collision) or the address is routed
    /// twice.
    Collision,
    /// All `L` slots are in use.
    Full,
}

impl core::fmt::Display for AttachError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            AttachError::Collision => {
                "the link's id is taken by another address, or the address is routed twice"
            }
            AttachError::Full => "all link slots are in use",
        })
    }
}

impl core::error::Error for AttachError {}

/// Ids to slots. Searched linearly: `L` is small and each step compares one `u32`.
struct Table<const L: usize> {
    slots: [Slot; L],
    used: usize,
}

impl<const L: usize> Table<L> {
    fn find(&self, id: u32) -> Option<usize> {
        self.slots[..self.used]
            .iter()
            .position(|slot| slot.id == id)
    }

    fn claim(&mut self, id: u32, address: Option<&'static str>) -> Option<usize> {
        let index = self.used;
        let slot = self.slots.get_mut(index)?;
        *slot = Slot {
            id,
            address,
            deliver: None,
            overflow: Overflow::Refuse,
        };
        self.used += 1;
        Some(index)
    }

    fn outbound(&mut self, id: u32, address: Option<&'static str>) -> Option<usize> {
        match self.find(id) {
            Some(index) => {
                let slot = &mut self.slots[index];
                slot.address = slot.address.or(address);
                Some(index)
            }
            None => self.claim(id, address),
        }
    }
}

/// A connector's links: `L` slots of id, address, route and overflow policy, and each
/// slot's [`LinkStats`] counters. `M` guards the table (not the counters).
pub struct Links<M: RawMutex, const L: usize> {
    table: Mutex<M, RefCell<Table<L>>>,
    counters: [LinkCounters; L],
}

impl<M: RawMutex, const L: usize> Links<M, L> {
    /// An empty table.
    pub const fn new() -> Self {
        Links {
            table: Mutex::new(RefCell::new(Table {
                slots: [Slot {
                    id: 0,
                    address: None,
                    deliver: None,
                    overflow: Overflow::Refuse,
                }; L],
                used: 0,
            })),
            counters: [const { LinkCounters::new() }; L],
        }
    }

    /// The slot of outbound link `id` and its overflow policy, claimed on first use;
    /// `None` if the table is full (the value still goes out, without per-link counters).
    pub fn outbound(&self, id: u32) -> (Option<usize>, Overflow) {
        self.table.lock(|t| {
            let mut t = t.borrow_mut();
            let slot = t.outbound(id, None);
            (slot, slot.map_or(Overflow::Refuse, |s| t.slots[s].overflow))
        })
    }

    /// Declare outbound link `id` at `address` with its record's buffer kind, which sets
    /// its overflow policy ([`Overflow::of`]). `None` if the table is full.
    pub fn register(&self, id: u32, address: &'static str, kind: BufferKind) -> Option<usize> {
        self.table.lock(|t| {
            let mut t = t.borrow_mut();
            let slot = t.outbound(id, Some(address))?;
            t.slots[slot].overflow = Overflow::of(kind);
            Some(slot)
        })
    }

    /// Route link `id` (address `address`) to `deliver`.
    pub fn attach(
        &self,
        id: u32,
        address: &'static str,
        deliver: Deliver,
    ) -> Result<usize, AttachError> {
        self.table.lock(|t| {
            let mut t = t.borrow_mut();
            let index = match t.find(id) {
                Some(index) => index,
                None => t.claim(id, Some(address)).ok_or(AttachError::Full)?,
            };
            let slot = &mut t.slots[index];
            if slot.deliver.is_some() || slot.address.is_some_and(|known| known != address) {
                return Err(AttachError::Collision);
            }
            slot.address = Some(address);
            slot.deliver = Some(deliver);
            Ok(index)
        })
    }

    /// Hand an arrived payload of link `id` to its route and count the outcome on the
    /// link; `false` when no route takes `id` (the caller counts it as unrouted).
    pub fn deliver(&self, id: u32, payload: &[u8]) -> bool {
        let route = self.table.lock(|t| {
            let t = t.borrow();
            let index = t.find(id)?;
            Some((index, t.slots[index].deliver?))
        });
        let Some((slot, deliver)) = route else {
            return false;
        };
        // Delivered without the table lock held: the route produces into a buffer, which
        // may wake tasks.
        self.counters[slot].delivered(deliver(payload));
        true
    }

    /// Count what the link task of link `id` skipped before publishing.
    pub fn skipped(&self, id: u32, skipped: Skipped) {
        if let (Some(slot), _) = self.outbound(id) {
            let link = &self.counters[slot];
            count_skipped(skipped, &link.lagged, &link.encode_errors, &link.oversize);
        }
    }

    /// Count the outcome of an outbox push on the link in `slot`: a value that did not go
    /// out (replaced, evicted or refused) as `dropped`, one too large as `oversize`.
    pub fn pushed(&self, slot: Option<usize>, pushed: Result<Pushed, PublishError>) {
        if let Some(link) = slot.map(|slot| &self.counters[slot]) {
            count_push(pushed, link);
        }
    }

    /// Count one value of the link in `slot` handed to the transport.
    pub fn sent(&self, slot: Option<usize>) {
        if let Some(slot) = slot {
            bump(&self.counters[slot].sent);
        }
    }

    /// A snapshot of link `id`'s counters, or `None` if no link has that id.
    pub fn stats(&self, id: u32) -> Option<LinkStats> {
        let slot = self.table.lock(|t| t.borrow().find(id))?;
        Some(self.counters[slot].snapshot())
    }
}

/// Count the outcome of an outbox push on a link's counters: a value that does not go out
/// (replaced or evicted by a newer one of the link, or refused by a full queue) as
/// `dropped`, one too large for a queue slot as `oversize`.
pub(crate) fn count_push(pushed: Result<Pushed, PublishError>, link: &LinkCounters) {
    match pushed {
        Ok(Pushed::Queued) | Err(PublishError::NoRoute) => {}
        Ok(Pushed::Replaced | Pushed::Evicted) | Err(PublishError::Full) => bump(&link.dropped),
        Err(PublishError::Oversize) => bump(&link.oversize),
        // Any kind `PublishError` may gain later (it is non-exhaustive): not sent.
        Err(_) => bump(&link.dropped),
    }
}

impl<M: RawMutex, const L: usize> Default for Links<M, L> {
    fn default() -> Self {
        Self::new()
    }
}
