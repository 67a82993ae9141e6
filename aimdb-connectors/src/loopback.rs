//! The in-memory loopback connector (`loopback://` and, for tests standing in for a broker,
//! any scheme it is given): nodes in one process exchange records through it.
//!
//! Publishing delivers synchronously to every attached route whose address matches, so no
//! queue and no heap are involved. `K` bounds how many nodes can attach.

use core::sync::atomic::{AtomicU32, Ordering};
use core::task::{Context, Poll};

use aimdb_core::connector::{Connector, InboundRoute, PublishError};
use embassy_sync::blocking_mutex::{Mutex, raw::CriticalSectionRawMutex};

/// An in-memory bus that up to `K` nodes attach to.
pub struct LoopbackBus<const K: usize = 8> {
    routes: Mutex<CriticalSectionRawMutex, core::cell::Cell<[Option<&'static [InboundRoute]>; K]>>,
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
    /// Payloads no route took.
    pub unrouted: AtomicU32,
}

impl<const K: usize> LoopbackBus<K> {
    /// A bus with nothing attached.
    pub const fn new() -> Self {
        LoopbackBus {
            routes: Mutex::new(core::cell::Cell::new([None; K])),
            counters: LoopbackCounters {
                published: AtomicU32::new(0),
                delivered: AtomicU32::new(0),
                decode_errors: AtomicU32::new(0),
                unrouted: AtomicU32::new(0),
            },
        }
    }

    /// The bus's counters.
    pub fn counters(&self) -> &LoopbackCounters {
        &self.counters
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
}
