//! The serial connector's link table and counters, in fixed storage.
//!
//! A link is one address (one link id) on this connector, used outbound, inbound or both.
//! The table has `L` slots, claimed by [`attach`](LinkTable::attach),
//! `register_outbound` or the first publish to an address; counters live in an array
//! indexed by slot, so they are bumped without the table's lock.

use core::sync::atomic::{AtomicU32, Ordering};

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

/// The live counters of one link.
#[derive(Debug)]
pub(crate) struct LinkCounters {
    pub(crate) sent: AtomicU32,
    pub(crate) received: AtomicU32,
    pub(crate) dropped: AtomicU32,
    pub(crate) decode_errors: AtomicU32,
    pub(crate) oversize: AtomicU32,
}

impl LinkCounters {
    pub(crate) const fn new() -> Self {
        LinkCounters {
            sent: AtomicU32::new(0),
            received: AtomicU32::new(0),
            dropped: AtomicU32::new(0),
            decode_errors: AtomicU32::new(0),
            oversize: AtomicU32::new(0),
        }
    }

    pub(crate) fn snapshot(&self) -> LinkStats {
        LinkStats {
            sent: self.sent.load(Ordering::Relaxed),
            received: self.received.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            decode_errors: self.decode_errors.load(Ordering::Relaxed),
            oversize: self.oversize.load(Ordering::Relaxed),
        }
    }
}

/// A snapshot of one serial link's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Frames of this link written to the stream.
    pub sent: u32,
    /// Frames that arrived and were delivered into the record.
    pub received: u32,
    /// Values dropped because the outbound queue was full.
    pub dropped: u32,
    /// Arrived payloads the record's deserializer rejected (skipped).
    pub decode_errors: u32,
    /// Values too large for a frame (outbound), or that the deserializer reported as
    /// oversize (inbound); skipped.
    pub oversize: u32,
}

/// The live connector-wide counters.
#[derive(Debug)]
pub(crate) struct ConnectorCounters {
    pub(crate) runs: AtomicU32,
    pub(crate) stream_errors: AtomicU32,
    pub(crate) frames_sent: AtomicU32,
    pub(crate) frames_received: AtomicU32,
    pub(crate) malformed: AtomicU32,
    pub(crate) oversize: AtomicU32,
    pub(crate) unrouted: AtomicU32,
    pub(crate) invalid_links: AtomicU32,
    pub(crate) dropped: AtomicU32,
}

impl ConnectorCounters {
    pub(crate) const fn new() -> Self {
        ConnectorCounters {
            runs: AtomicU32::new(0),
            stream_errors: AtomicU32::new(0),
            frames_sent: AtomicU32::new(0),
            frames_received: AtomicU32::new(0),
            malformed: AtomicU32::new(0),
            oversize: AtomicU32::new(0),
            unrouted: AtomicU32::new(0),
            invalid_links: AtomicU32::new(0),
            dropped: AtomicU32::new(0),
        }
    }

    pub(crate) fn snapshot(&self, queued: usize) -> SerialStats {
        let load = |counter: &AtomicU32| counter.load(Ordering::Relaxed);
        SerialStats {
            runs: load(&self.runs),
            stream_errors: load(&self.stream_errors),
            frames_sent: load(&self.frames_sent),
            frames_received: load(&self.frames_received),
            malformed: load(&self.malformed),
            oversize: load(&self.oversize),
            unrouted: load(&self.unrouted),
            invalid_links: load(&self.invalid_links),
            dropped: load(&self.dropped),
            queued: queued as u32,
        }
    }
}

/// A snapshot of a serial connector's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SerialStats {
    /// Times [`run`](super::SerialConnector::run) was started: 1, plus one per reconnect.
    pub runs: u32,
    /// Runs that ended because the stream failed or closed.
    pub stream_errors: u32,
    /// Frames written to the stream.
    pub frames_sent: u32,
    /// Valid frames received (routed or not).
    pub frames_received: u32,
    /// Received frames that were truncated, too short or failed the CRC (skipped).
    pub malformed: u32,
    /// Received frames larger than `MAX_FRAME` (skipped), plus outbound values too large
    /// for a frame.
    pub oversize: u32,
    /// Valid frames whose link id no attached route takes.
    pub unrouted: u32,
    /// Routes rejected at attach time (link id collision or full table).
    pub invalid_links: u32,
    /// Values dropped because the outbound queue was full (all links).
    pub dropped: u32,
    /// Frames waiting in the outbound queue now.
    pub queued: u32,
}

/// Add one to a counter.
#[inline]
pub(crate) fn bump(counter: &AtomicU32) {
    counter.fetch_add(1, Ordering::Relaxed);
}
