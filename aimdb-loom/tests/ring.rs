//! `SpmcRing` under loom: one writer with two readers, a reader lagging while the writer
//! wraps a ring of 2, a reader dropped mid-read, and no lost wake-up.

use std::sync::Arc;
use std::task::Poll;

use aimdb_core::buffer::{RecordBuffer, RecvError};
use aimdb_core::{Consumer, SpmcRing};
use aimdb_loom::{LoomRawMutex, WakeCounter, explore, poll_once, recv};
use loom::thread;

type Ring<const N: usize, const R: usize> = SpmcRing<LoomRawMutex, u32, N, R>;

/// Read until `last` arrived, checking that values come in order and that every value not
/// received was reported as lagged (received + lagged = produced). Returns (received, lagged).
fn read_all<B: RecordBuffer<u32>>(
    ring: &B,
    mut cursor: aimdb_core::buffer::ReaderCursor,
    last: u32,
) -> (u32, u64) {
    let mut next = 1;
    let (mut received, mut lagged) = (0, 0);
    while next <= last {
        match recv(ring, &mut cursor) {
            Ok(value) => {
                assert_eq!(value, next, "out of order or repeated");
                next += 1;
                received += 1;
            }
            Err(RecvError::Lagged(n)) => {
                assert!(n > 0);
                next += n as u32;
                lagged += n;
            }
            Err(e) => panic!("unexpected receive error: {e}"),
        }
    }
    assert_eq!(next, last + 1, "lag overshot the last value");
    (received, lagged)
}

#[test]
fn ring_one_writer_two_readers() {
    explore(
        "ring_one_writer_two_readers (N=2, R=2, 3 values)",
        Some(3),
        || {
            let ring = Arc::new(Ring::<2, 2>::new());
            let cursors = [ring.subscribe().unwrap(), ring.subscribe().unwrap()];
            let readers = cursors.map(|cursor| {
                let ring = ring.clone();
                thread::spawn(move || read_all(&*ring, cursor, 3))
            });
            for v in 1..=3 {
                ring.produce(v);
            }
            for reader in readers {
                let (received, lagged) = reader.join().unwrap();
                assert_eq!(u64::from(received) + lagged, 3);
                assert!(received >= 1, "the newest value is never lost");
            }
            assert_eq!(ring.produced(), 3);
        },
    );
}

#[test]
fn ring_reader_lags_while_writer_wraps() {
    explore(
        "ring_reader_lags_while_writer_wraps (N=2, R=1, 5 values)",
        Some(4),
        || {
            let ring = Arc::new(Ring::<2, 1>::new());
            let cursor = ring.subscribe().unwrap();
            let writer = {
                let ring = ring.clone();
                thread::spawn(move || {
                    for v in 1..=5 {
                        ring.produce(v);
                    }
                })
            };
            let (received, lagged) = read_all(&*ring, cursor, 5);
            writer.join().unwrap();
            assert_eq!(u64::from(received) + lagged, 5);
            // Whatever it missed, the reader always got the last two values a ring of 2 keeps
            // once it lagged: a lag is followed by the oldest value still held.
            assert!(received >= 1);
        },
    );
}

#[test]
fn ring_reader_dropped_mid_read() {
    explore("ring_reader_dropped_mid_read (N=2, R=2)", None, || {
        let ring = Arc::new(Ring::<2, 2>::new());
        let mut cursor = ring.subscribe().unwrap();
        // A second consumer registers its waker, then is dropped while the first waits.
        let dropped = {
            let ring = ring.clone();
            thread::spawn(move || {
                let mut consumer = Consumer::subscribe(&*ring).unwrap();
                let (_counter, waker) = WakeCounter::new();
                let mut cx = core::task::Context::from_waker(&waker);
                let _ = consumer.poll_recv(&mut cx);
                drop(consumer);
            })
        };
        let writer = {
            let ring = ring.clone();
            thread::spawn(move || ring.produce(7))
        };
        assert_eq!(recv(&*ring, &mut cursor), Ok(7));
        dropped.join().unwrap();
        writer.join().unwrap();
        // The dropped consumer's slot is free again: exactly one reader is left.
        assert_eq!(ring.readers(), 1);
        assert!(ring.subscribe().is_ok());
    });
}

#[test]
fn ring_no_lost_wakeup() {
    explore(
        "ring_no_lost_wakeup (a registered reader is woken by the next produce)",
        None,
        || {
            let ring = Arc::new(Ring::<2, 1>::new());
            let mut cursor = ring.subscribe().unwrap();
            let (counter, waker) = WakeCounter::new();
            let writer = {
                let ring = ring.clone();
                thread::spawn(move || ring.produce(1))
            };
            let first = poll_once(&*ring, &mut cursor, &waker);
            writer.join().unwrap();
            match first {
                Poll::Ready(value) => {
                    assert_eq!(value, Ok(1));
                    assert_eq!(counter.wakes(), 0, "woken though it never waited");
                }
                Poll::Pending => {
                    assert_eq!(
                        counter.wakes(),
                        1,
                        "registered, then a produce: must be woken once"
                    );
                    assert_eq!(poll_once(&*ring, &mut cursor, &waker), Poll::Ready(Ok(1)));
                }
            }
        },
    );
}
