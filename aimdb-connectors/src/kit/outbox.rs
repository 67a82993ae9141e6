//! The outbox: a fixed queue of encoded values between `Connector::publish` and the
//! connector's transmit loop, with the overflow policy of each link's record buffer.
//!
//! `publish` must return at once (link tasks are not held up by a slow transport), so each
//! value is copied into one of `Q` slots of `N` bytes. What happens when the transport
//! falls behind follows the record behind the link, as `register_outbound` declared it
//! ([`Overflow::of`]):
//! - a `SingleLatest` or `Mailbox` link keeps at most one queued value: a newer one
//!   replaces it at its place in the queue (the older one could only be overwritten on
//!   arrival anyway);
//! - an `SpmcRing` link, when the queue is full, drops its own oldest queued value to make
//!   room (a ring keeps the newest history);
//! - a link never declared, or one with nothing of its own to drop, is refused:
//!   `PublishError::Full`.
//!
//! Every value that does not go out is reported to the caller ([`Pushed`]), which counts
//! it as `dropped` on its link. Order between the values that do go out is kept.

use core::cell::RefCell;
use core::task::{Context, Poll};

use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::PublishError;
use aimdb_core::mutex::RawMutex;
use embassy_sync::blocking_mutex::Mutex;
use embassy_sync::waitqueue::{MultiWakerRegistration, WakerRegistration};

/// How many link tasks `poll_ready` tracks at once; more are all woken early and register
/// again (a spurious poll, never a lost wake-up).
const READY_WAITERS: usize = 4;

/// What a full queue does with a link's values; see the [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Overflow {
    /// Refuse the new value (a link never declared with `register_outbound`).
    #[default]
    Refuse,
    /// `SingleLatest`, `Mailbox`: a new value replaces the link's queued one.
    Latest,
    /// `SpmcRing`: a full queue drops the link's own oldest value for the new one.
    Ring,
}

impl Overflow {
    /// The policy of a link whose record is a buffer of `kind`.
    pub const fn of(kind: BufferKind) -> Self {
        match kind {
            BufferKind::SpmcRing { .. } => Overflow::Ring,
            BufferKind::SingleLatest | BufferKind::Mailbox => Overflow::Latest,
        }
    }
}

/// What [`Outbox::push`] did besides queueing the new value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushed {
    /// Queued; nothing else changed.
    Queued,
    /// Queued in place of the link's older value, which is dropped.
    Replaced,
    /// Queued after dropping the link's oldest queued value to make room.
    Evicted,
}

#[derive(Clone, Copy)]
struct Item<const N: usize> {
    /// Whether the item holds a queued value.
    queued: bool,
    link: Option<usize>,
    len: usize,
    bytes: [u8; N],
}

struct State<const Q: usize, const N: usize> {
    items: [Item<N>; Q],
    /// Queue order as indices into `items`: `order[(head + k) % Q]` for `k < len`.
    order: [usize; Q],
    head: usize,
    len: usize,
    /// The transmit loop waiting for a value.
    reader: WakerRegistration,
    /// Link tasks waiting for room.
    room: MultiWakerRegistration<READY_WAITERS>,
}

impl<const Q: usize, const N: usize> State<Q, N> {
    fn at(&self, k: usize) -> usize {
        self.order[(self.head + k) % Q]
    }

    /// Place in the queue (0 = next out) of the first value of `link`.
    fn first_of(&self, link: usize) -> Option<usize> {
        (0..self.len).find(|&k| self.items[self.at(k)].link == Some(link))
    }

    /// An item no queued value uses (called only while `len < Q`, so there is one).
    fn free_item(&self) -> usize {
        self.items.iter().position(|item| !item.queued).unwrap_or(0)
    }

    /// Take the value `k` places from the head out of the queue, keeping the others'
    /// order (only indices move, not bytes); returns its item.
    fn remove(&mut self, k: usize) -> usize {
        let index = self.at(k);
        for j in (1..=k).rev() {
            self.order[(self.head + j) % Q] = self.order[(self.head + j - 1) % Q];
        }
        self.head = (self.head + 1) % Q;
        self.len -= 1;
        self.items[index].queued = false;
        index
    }
}

/// A queue of `Q` encoded values of up to `N` bytes each, guarded by a blocking mutex `M`;
/// see the [module docs](self). Lives in a `static` (`const fn new`), allocates nothing.
pub struct Outbox<M: RawMutex, const Q: usize, const N: usize> {
    state: Mutex<M, RefCell<State<Q, N>>>,
}

impl<M: RawMutex, const Q: usize, const N: usize> Outbox<M, Q, N> {
    /// An empty outbox.
    pub const fn new() -> Self {
        Outbox {
            state: Mutex::new(RefCell::new(State {
                items: [Item {
                    queued: false,
                    link: None,
                    len: 0,
                    bytes: [0; N],
                }; Q],
                order: [0; Q],
                head: 0,
                len: 0,
                reader: WakerRegistration::new(),
                room: MultiWakerRegistration::new(),
            })),
        }
    }

    /// Values queued now.
    pub fn len(&self) -> usize {
        self.state.lock(|s| s.borrow().len)
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `Ready` while a push would not overflow; otherwise registers `cx` to be woken when
    /// the transmit loop takes a value.
    pub fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        self.state.lock(|s| {
            let mut s = s.borrow_mut();
            if s.len < Q {
                Poll::Ready(())
            } else {
                s.room.register(cx.waker());
                Poll::Pending
            }
        })
    }

    /// Queue a value of `len` bytes for link slot `link`, written by `fill` straight into
    /// its place, under `overflow`'s policy. `Oversize` when `len > N`, `Full` when the
    /// policy refuses it; [`Pushed`] says whether an older value of the link was dropped.
    pub fn push(
        &self,
        link: Option<usize>,
        overflow: Overflow,
        len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> Result<Pushed, PublishError> {
        if len > N {
            return Err(PublishError::Oversize);
        }
        self.state.lock(|s| {
            let mut s = s.borrow_mut();
            let s = &mut *s;
            let own = link.and_then(|link| s.first_of(link));
            let pushed = match (overflow, own) {
                (Overflow::Latest, Some(k)) => {
                    // In place: the superseded value's turn goes to the new one.
                    let item = &mut s.items[s.order[(s.head + k) % Q]];
                    item.len = len;
                    fill(&mut item.bytes[..len]);
                    return Ok(Pushed::Replaced);
                }
                _ if s.len < Q => Pushed::Queued,
                (Overflow::Ring, Some(k)) => {
                    s.remove(k);
                    Pushed::Evicted
                }
                _ => return Err(PublishError::Full),
            };
            let index = s.free_item();
            let item = &mut s.items[index];
            item.queued = true;
            item.link = link;
            item.len = len;
            fill(&mut item.bytes[..len]);
            s.order[(s.head + s.len) % Q] = index;
            s.len += 1;
            s.reader.wake();
            Ok(pushed)
        })
    }

    /// Take the oldest value into `out` once there is one: returns its link slot and
    /// length. One transmit loop at a time may wait here.
    pub async fn pop(&self, out: &mut [u8; N]) -> (Option<usize>, usize) {
        core::future::poll_fn(|cx| self.poll_pop(cx, out)).await
    }

    fn poll_pop(&self, cx: &mut Context<'_>, out: &mut [u8; N]) -> Poll<(Option<usize>, usize)> {
        self.state.lock(|s| {
            let mut s = s.borrow_mut();
            if s.len == 0 {
                s.reader.register(cx.waker());
                return Poll::Pending;
            }
            let index = s.remove(0);
            let item = &s.items[index];
            let (link, len) = (item.link, item.len);
            out[..len].copy_from_slice(&item.bytes[..len]);
            s.room.wake();
            Poll::Ready((link, len))
        })
    }
}

impl<M: RawMutex, const Q: usize, const N: usize> Default for Outbox<M, Q, N> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests;
