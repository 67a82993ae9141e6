//! The serial connector's link table and counters, in fixed storage.
//!
//! A link is one address (one link id) on this connector, used outbound, inbound or both.
//! The table has `L` slots, claimed by [`attach`](LinkTable::attach),
//! `register_outbound` or the first publish to an address; counters live in an array
//! indexed by slot, so they are bumped without the table's lock.

use crate::counters::counters;

/// A route's decode-and-produce function.
pub(crate) type Deliver = fn(&[u8]) -> Result<(), aimdb_core::connector::CodecError>;

#[derive(Clone, Copy)]
struct Slot {
    id: u32,
    /// The address, when it is known to be `'static` (attached or registered).
    address: Option<&'static str>,
    deliver: Option<Deliver>,
}

/// Why a route could not be attached. The route is skipped and counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AttachError {
    /// Its link id is taken by another address (a hash collision) or the address is routed
    /// twice.
    Collision,
    /// All `L` slots are in use.
    Full,
}

/// Link ids to slots. Searched linearly: `L` is small and each step compares one `u32`.
pub(crate) struct LinkTable<const L: usize> {
    slots: [Slot; L],
    used: usize,
}

impl<const L: usize> LinkTable<L> {
    pub(crate) const fn new() -> Self {
        LinkTable {
            slots: [Slot {
                id: 0,
                address: None,
                deliver: None,
            }; L],
            used: 0,
        }
    }

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
        };
        self.used += 1;
        Some(index)
    }

    /// The slot of an outbound link, claimed on first use; `None` if the table is full
    /// (the value still goes out, without per-link counters).
    pub(crate) fn outbound(&mut self, id: u32, address: Option<&'static str>) -> Option<usize> {
        match self.find(id) {
            Some(index) => {
                let slot = &mut self.slots[index];
                slot.address = slot.address.or(address);
                Some(index)
            }
            None => self.claim(id, address),
        }
    }

    /// Route link `id` (address `address`) to `deliver`.
    pub(crate) fn attach(
        &mut self,
        id: u32,
        address: &'static str,
        deliver: Deliver,
    ) -> Result<usize, AttachError> {
        let index = match self.find(id) {
            Some(index) => index,
            None => self.claim(id, Some(address)).ok_or(AttachError::Full)?,
        };
        let slot = &mut self.slots[index];
        if slot.deliver.is_some() || slot.address.is_some_and(|known| known != address) {
            return Err(AttachError::Collision);
        }
        slot.address = Some(address);
        slot.deliver = Some(deliver);
        Ok(index)
    }

    /// The slot and route of an arrived frame's link id.
    pub(crate) fn inbound(&self, id: u32) -> Option<(usize, Deliver)> {
        let index = self.find(id)?;
        Some((index, self.slots[index].deliver?))
    }

    /// The slot of a link id, in either direction.
    pub(crate) fn slot(&self, id: u32) -> Option<usize> {
        self.find(id)
    }
}

pub(crate) use crate::counters::LinkCounters32 as LinkCounters;
/// A snapshot of one serial link's counters (see [`SerialConnector::link_stats`](super::SerialConnector::link_stats)).
pub use crate::counters::LinkStats32 as LinkStats;

counters! {
    /// The live connector-wide counters.
    pub(crate) struct ConnectorCounters: AtomicU32;
    /// A snapshot of a serial connector's counters.
    pub struct SerialStats: u32 {
        /// Times [`run`](super::SerialConnector::run) was started: 1, plus one per
        /// reconnect.
        runs,
        /// Runs that ended because the stream failed or closed.
        stream_errors,
        /// Frames written to the stream.
        frames_sent,
        /// Valid frames received (routed or not).
        frames_received,
        /// Received frames that were truncated, too short or failed the CRC (skipped).
        malformed,
        /// Received frames larger than `MAX_FRAME` (skipped), plus outbound values too
        /// large for a frame.
        oversize,
        /// Valid frames whose link id no attached route takes.
        unrouted,
        /// Routes rejected at attach time (link id collision or full table).
        invalid_links,
        /// Values dropped because the outbound queue was full (all links).
        dropped,
    }
    extra {
        /// Frames waiting in the outbound queue now.
        queued: u32,
    }
}

pub(crate) use crate::counters::bump;
