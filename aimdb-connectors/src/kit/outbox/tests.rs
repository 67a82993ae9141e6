use core::task::{Context, Poll, Waker};

use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::PublishError;
use aimdb_core::mutex::CriticalSectionRawMutex;

use super::{Outbox, Overflow, Pushed};

type Small = Outbox<CriticalSectionRawMutex, 3, 4>;

fn push(outbox: &Small, link: usize, overflow: Overflow, byte: u8) -> Result<Pushed, PublishError> {
    outbox.push(Some(link), overflow, 1, |out| out[0] = byte)
}

/// Everything queued, as (link, first byte), oldest first.
fn drain(outbox: &Small) -> std::vec::Vec<(usize, u8)> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = [0u8; 4];
    let mut got = std::vec::Vec::new();
    while let Poll::Ready((link, len)) = outbox.poll_pop(&mut cx, &mut out) {
        assert_eq!(len, 1);
        got.push((link.unwrap(), out[0]));
    }
    got
}

#[test]
fn policies_follow_the_buffer_kind() {
    assert_eq!(Overflow::of(BufferKind::SingleLatest), Overflow::Latest);
    assert_eq!(Overflow::of(BufferKind::Mailbox), Overflow::Latest);
    assert_eq!(
        Overflow::of(BufferKind::SpmcRing { capacity: 4 }),
        Overflow::Ring
    );
}

#[test]
fn an_undeclared_link_is_refused_when_full_and_order_is_kept() {
    let outbox = Small::new();
    for byte in 1..=3 {
        assert_eq!(push(&outbox, 0, Overflow::Refuse, byte), Ok(Pushed::Queued));
    }
    assert_eq!(
        push(&outbox, 0, Overflow::Refuse, 4),
        Err(PublishError::Full)
    );
    let mut cx = Context::from_waker(Waker::noop());
    assert_eq!(outbox.poll_ready(&mut cx), Poll::Pending);
    assert_eq!(drain(&outbox), [(0, 1), (0, 2), (0, 3)]);
    assert_eq!(outbox.poll_ready(&mut cx), Poll::Ready(()));
    assert_eq!(
        outbox.push(None, Overflow::Refuse, 5, |_| {}),
        Err(PublishError::Oversize)
    );
}

#[test]
fn a_latest_link_keeps_one_value_at_its_place() {
    let outbox = Small::new();
    push(&outbox, 0, Overflow::Latest, 1).unwrap();
    push(&outbox, 1, Overflow::Refuse, 2).unwrap();
    assert_eq!(push(&outbox, 0, Overflow::Latest, 3), Ok(Pushed::Replaced));
    assert_eq!(outbox.len(), 2);
    push(&outbox, 1, Overflow::Refuse, 4).unwrap();
    // Full, and still replaced in place.
    assert_eq!(push(&outbox, 0, Overflow::Latest, 5), Ok(Pushed::Replaced));
    assert_eq!(drain(&outbox), [(0, 5), (1, 2), (1, 4)]);
}

#[test]
fn a_ring_link_drops_its_own_oldest_when_full() {
    let outbox = Small::new();
    push(&outbox, 1, Overflow::Refuse, 1).unwrap();
    push(&outbox, 0, Overflow::Ring, 2).unwrap();
    push(&outbox, 0, Overflow::Ring, 3).unwrap();
    assert_eq!(push(&outbox, 0, Overflow::Ring, 4), Ok(Pushed::Evicted));
    assert_eq!(push(&outbox, 0, Overflow::Ring, 5), Ok(Pushed::Evicted));
    // Another link with nothing of its own queued is refused.
    assert_eq!(push(&outbox, 2, Overflow::Ring, 9), Err(PublishError::Full));
    assert_eq!(drain(&outbox), [(1, 1), (0, 4), (0, 5)]);
    // Slots are reused after wrapping around.
    for byte in 6..=8 {
        push(&outbox, 0, Overflow::Ring, byte).unwrap();
    }
    assert_eq!(drain(&outbox), [(0, 6), (0, 7), (0, 8)]);
}
