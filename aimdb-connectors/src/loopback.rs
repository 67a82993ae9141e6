//! The in-memory loopback connector (`loopback://` and, for tests standing in for a broker,
//! any scheme it is given): nodes in one process exchange records through it.
//!
//! Publishing delivers synchronously to every attached route whose address matches, so no
//! queue and no heap are involved. `K` bounds how many nodes can attach. Outbound links
//! declared with `register_outbound` are remembered (up to [`REGISTERED_LINKS`]), so tests
//! can check what a node declared.

use core::sync::atomic::{AtomicU32, Ordering};
use core::task::{Context, Poll};

use aimdb_core::BufferKind;
use aimdb_core::connector::{CodecError, Connector, InboundRoute, PublishError};
use embassy_sync::blocking_mutex::{Mutex, raw::CriticalSectionRawMutex};

/// How many distinct outbound links a bus remembers from `register_outbound`; further
/// ones are still accepted for publishing, only not remembered.
pub const REGISTERED_LINKS: usize = 16;

type Registrations = [Option<(&'static str, BufferKind)>; REGISTERED_LINKS];

/// An in-memory bus that up to `K` nodes attach to.
pub struct LoopbackBus<const K: usize = 8> {
    routes: Mutex<CriticalSectionRawMutex, core::cell::Cell<[Option<&'static [InboundRoute]>; K]>>,
    registered: Mutex<CriticalSectionRawMutex, core::cell::Cell<Registrations>>,
    counters: LoopbackCounters,
}

/// What a loopback bus has done, readable at run time.
#[derive(Debug, Default)]
pub struct LoopbackCounters {
    /// Payloads published.
    pub published: AtomicU32,
    /// Payloads delivered to a route (one publish can reach several).
    pub delivered: AtomicU32,
    /// Payloads a route failed to decode (counted and skipped).
    pub decode_errors: AtomicU32,
    /// Payloads written with another version of the record type (`aimdb::contract`).
    pub schema_mismatch: AtomicU32,
    /// Payloads no route took.
    pub unrouted: AtomicU32,
}

impl<const K: usize> LoopbackBus<K> {
    /// A bus with nothing attached.
    pub const fn new() -> Self {
        LoopbackBus {
            routes: Mutex::new(core::cell::Cell::new([None; K])),
            registered: Mutex::new(core::cell::Cell::new([None; REGISTERED_LINKS])),
            counters: LoopbackCounters {
                published: AtomicU32::new(0),
                delivered: AtomicU32::new(0),
                decode_errors: AtomicU32::new(0),
                schema_mismatch: AtomicU32::new(0),
                unrouted: AtomicU32::new(0),
            },
        }
    }

    /// The bus's counters.
    pub fn counters(&self) -> &LoopbackCounters {
        &self.counters
    }

    /// The buffer kind an outbound link at `address` was registered with, if it was.
    pub fn registered(&self, address: &str) -> Option<BufferKind> {
        let links = self.registered.lock(|links| links.get());
        links
            .iter()
            .flatten()
            .find(|(registered, _)| *registered == address)
            .map(|&(_, kind)| kind)
    }
}

impl<const K: usize> Default for LoopbackBus<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const K: usize> Connector for LoopbackBus<K> {
    fn poll_ready(&self, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }

    fn publish(&self, address: &str, payload: &[u8]) -> Result<(), PublishError> {
        self.counters.published.fetch_add(1, Ordering::Relaxed);
        // Copy the table list out so routes run without the bus lock held.
        let tables = self.routes.lock(|routes| routes.get());
        let mut delivered = false;
        for route in tables.iter().flatten().flat_map(|table| table.iter()) {
            if route.address != address {
                continue;
            }
            delivered = true;
            match (route.deliver)(payload) {
                Ok(()) => self.counters.delivered.fetch_add(1, Ordering::Relaxed),
                Err(CodecError::SchemaMismatch) => self
                    .counters
                    .schema_mismatch
                    .fetch_add(1, Ordering::Relaxed),
                Err(_) => self.counters.decode_errors.fetch_add(1, Ordering::Relaxed),
            };
        }
        if delivered {
            Ok(())
        } else {
            self.counters.unrouted.fetch_add(1, Ordering::Relaxed);
            Err(PublishError::NoRoute)
        }
    }

    fn attach(&self, new: &'static [InboundRoute]) {
        self.routes.lock(|routes| {
            let mut tables = routes.get();
            if let Some(free) = tables.iter_mut().find(|table| table.is_none()) {
                *free = Some(new);
            } else {
                panic!("LoopbackBus: more than {K} nodes attached; raise the bus's K parameter");
            }
            routes.set(tables);
        })
    }

    fn register_outbound(&self, address: &'static str, kind: BufferKind) {
        self.registered.lock(|links| {
            let mut table = links.get();
            // A second registration of an address replaces the first.
            let entry = match table
                .iter()
                .position(|e| e.is_some_and(|(a, _)| a == address))
            {
                Some(index) => table.get_mut(index),
                None => table.iter_mut().find(|e| e.is_none()),
            };
            if let Some(entry) = entry {
                *entry = Some((address, kind));
                links.set(table);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_are_remembered_and_the_last_one_wins() {
        let bus: LoopbackBus<1> = LoopbackBus::new();
        assert_eq!(bus.registered("a"), None);
        bus.register_outbound("a", BufferKind::SingleLatest);
        bus.register_outbound("b", BufferKind::SpmcRing { capacity: 4 });
        bus.register_outbound("a", BufferKind::Mailbox);
        assert_eq!(bus.registered("a"), Some(BufferKind::Mailbox));
        assert_eq!(
            bus.registered("b"),
            Some(BufferKind::SpmcRing { capacity: 4 })
        );
        // A full table forgets further links instead of failing.
        for address in [
            "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q",
        ] {
            bus.register_outbound(address, BufferKind::Mailbox);
        }
        assert_eq!(bus.registered("p"), Some(BufferKind::Mailbox));
        assert_eq!(bus.registered("q"), None);
    }
}
