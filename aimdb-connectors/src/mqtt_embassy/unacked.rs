//! QoS 1 publishes the broker has not acknowledged yet, kept across sessions.
//!
//! A session can die with publishes in flight: written to a broker that crashed before it
//! answered, or into a UART whose far side was cut. At QoS 1 the broker owes a PUBACK for
//! each; until it comes, the value is kept here, and the next session publishes every kept
//! value again, oldest first, before anything newer from the queue. So a broker restart
//! loses nothing the node handed over (at least once: a value the broker took but did not
//! acknowledge before it died arrives twice). The store is as large as the in-flight window
//! ([`SEND_MAXIMUM`]) and lives in the connection task, so it costs no heap and survives
//! sessions without a lock. Packet ids are kept as their numbers (`PacketIdentifier::get`).

use super::SEND_MAXIMUM;

/// A value as it went out: its link's slot and its bytes.
pub(super) struct Outgoing<const N: usize> {
    /// The outbound link's slot in the connector's table.
    pub(super) slot: usize,
    /// How many of `bytes` are the payload.
    pub(super) len: usize,
    /// The payload.
    pub(super) bytes: [u8; N],
}

/// One publish awaiting its PUBACK.
pub(super) struct Pending<const N: usize> {
    /// Its packet id in this session; `None` once the session it went out in has died
    /// (it must go out again).
    id: Option<u16>,
    /// Publication order, so values go out again in the order they first went out.
    order: u64,
    /// The value: its link's slot and bytes.
    pub(super) value: Outgoing<N>,
}

/// The publishes awaiting a PUBACK, at most [`SEND_MAXIMUM`].
pub(super) struct Unacked<const N: usize> {
    pending: [Option<Pending<N>>; SEND_MAXIMUM],
    next_order: u64,
}

impl<const N: usize> Unacked<N> {
    pub(super) const fn new() -> Self {
        Unacked {
            pending: [const { None }; SEND_MAXIMUM],
            next_order: 0,
        }
    }

    /// Keep `payload` of the link in `slot`, published as packet `id`, until its PUBACK. A
    /// full store, or a payload longer than `N`, drops it and returns false (a session
    /// never has more than [`SEND_MAXIMUM`] in flight, and the queue holds at most `N`).
    pub(super) fn keep(&mut self, id: u16, slot: usize, payload: &[u8]) -> bool {
        let mut value = Outgoing {
            slot,
            len: payload.len(),
            bytes: [0; N],
        };
        let Some(room) = value.bytes.get_mut(..payload.len()) else {
            return false;
        };
        room.copy_from_slice(payload);
        let order = self.next_order;
        self.next_order += 1;
        match self.pending.iter_mut().find(|p| p.is_none()) {
            Some(free) => {
                *free = Some(Pending {
                    id: Some(id),
                    order,
                    value,
                });
                true
            }
            None => false,
        }
    }

    /// The broker acknowledged (or refused) packet `id`: forget it. Returns whether it
    /// was one kept here (the liveness `online` is not).
    pub(super) fn acknowledged(&mut self, id: u16) -> bool {
        let found = self
            .pending
            .iter_mut()
            .find(|p| p.as_ref().is_some_and(|p| p.id == Some(id)));
        match found {
            Some(found) => {
                *found = None;
                true
            }
            None => false,
        }
    }

    /// How many publishes await a PUBACK.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.pending.iter().flatten().count()
    }

    /// The session they went out in has died: every kept value must go out again.
    pub(super) fn session_lost(&mut self) {
        for pending in self.pending.iter_mut().flatten() {
            pending.id = None;
        }
    }

    /// The oldest kept value not yet sent again in this session.
    pub(super) fn oldest_unsent(&self) -> Option<usize> {
        self.pending
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.as_ref().filter(|p| p.id.is_none()).map(|p| (i, p.order)))
            .min_by_key(|&(_, order)| order)
            .map(|(i, _)| i)
    }

    /// The value at `index` (from [`oldest_unsent`](Self::oldest_unsent)).
    pub(super) fn get(&self, index: usize) -> Option<&Pending<N>> {
        self.pending.get(index)?.as_ref()
    }

    /// Forget the value at `index` without sending it again (its link can no longer be
    /// published to, or it went out at QoS 0 this time).
    pub(super) fn acknowledged_unsent(&mut self, index: usize) {
        if let Some(slot) = self.pending.get_mut(index) {
            *slot = None;
        }
    }

    /// The value at `index` went out again as packet `id`.
    pub(super) fn sent_again(&mut self, index: usize, id: u16) {
        if let Some(Some(pending)) = self.pending.get_mut(index) {
            pending.id = Some(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u16) -> u16 {
        n
    }

    #[test]
    fn unacknowledged_values_go_out_again_oldest_first_and_acks_forget_them() {
        let mut store = Unacked::<4>::new();
        for n in 1..=4 {
            assert!(store.keep(id(n), n as usize, &[n as u8]));
        }
        assert!(!store.keep(id(9), 9, &[9]), "the window is full");
        assert!(store.acknowledged(id(2)));
        assert!(!store.acknowledged(id(2)), "forgotten once");
        assert!(
            !store.acknowledged(id(7)),
            "not ours (the liveness publish)"
        );
        assert_eq!(store.len(), 3);
        // Nothing to resend while the session lives.
        assert_eq!(store.oldest_unsent(), None);

        store.session_lost();
        let mut resent = [0usize; 3];
        for (n, slot) in resent.iter_mut().enumerate() {
            let index = store.oldest_unsent().expect("a value to resend");
            *slot = store.get(index).unwrap().value.slot;
            store.sent_again(index, id(20 + n as u16));
        }
        assert_eq!(
            resent,
            [1, 3, 4],
            "oldest first, the acknowledged one not again"
        );
        assert_eq!(store.oldest_unsent(), None);
        // The new ids are what the next PUBACKs name.
        assert!(store.acknowledged(id(20)));
        assert_eq!(store.len(), 2);
    }
}
