//! `SingleLatest` under loom: one writer with two readers (each sees the newest value once,
//! in order, never a repeat), a reader dropped mid-read, and no lost wake-up.

use std::sync::Arc;
use std::task::Poll;

use aimdb_core::buffer::RecordBuffer;
use aimdb_core::{Consumer, SingleLatest};
use aimdb_loom::{LoomRawMutex, WakeCounter, explore, poll_once, recv};
use loom::thread;

type Latest<const R: usize> = SingleLatest<LoomRawMutex, u32, R>;

#[test]
fn latest_one_writer_two_readers() {
    explore(
        "latest_one_writer_two_readers (R=2, 3 values)",
        Some(3),
        || {
            let latest = Arc::new(Latest::<2>::new());
            let cursors = [latest.subscribe().unwrap(), latest.subscribe().unwrap()];
            let readers = cursors.map(|mut cursor| {
                let latest = latest.clone();
                thread::spawn(move || {
                    let mut seen = 0;
                    while seen < 3 {
                        let value = recv(&*latest, &mut cursor).unwrap();
                        assert!(value > seen, "a value seen twice or out of order");
                        seen = value;
                    }
                })
            });
            for v in 1..=3 {
                latest.produce(v);
            }
            for reader in readers {
                reader.join().unwrap();
            }
            assert_eq!(latest.peek(), Some(3));
        },
    );
}

#[test]
fn latest_reader_dropped_mid_read() {
    explore("latest_reader_dropped_mid_read (R=2)", None, || {
        let latest = Arc::new(Latest::<2>::new());
        let mut cursor = latest.subscribe().unwrap();
        let dropped = {
            let latest = latest.clone();
            thread::spawn(move || {
                let mut consumer = Consumer::subscribe(&*latest).unwrap();
                let (_counter, waker) = WakeCounter::new();
                let mut cx = core::task::Context::from_waker(&waker);
                let _ = consumer.poll_recv(&mut cx);
                drop(consumer);
            })
        };
        let writer = {
            let latest = latest.clone();
            thread::spawn(move || latest.produce(7))
        };
        assert_eq!(recv(&*latest, &mut cursor), Ok(7));
        dropped.join().unwrap();
        writer.join().unwrap();
        assert!(
            latest.subscribe().is_ok(),
            "the dropped reader's slot is free"
        );
    });
}

#[test]
fn latest_no_lost_wakeup() {
    explore("latest_no_lost_wakeup", None, || {
        let latest = Arc::new(Latest::<1>::new());
        let mut cursor = latest.subscribe().unwrap();
        let (counter, waker) = WakeCounter::new();
        let writer = {
            let latest = latest.clone();
            thread::spawn(move || latest.produce(1))
        };
        let first = poll_once(&*latest, &mut cursor, &waker);
        writer.join().unwrap();
        match first {
            Poll::Ready(value) => {
                assert_eq!(value, Ok(1));
                assert_eq!(counter.wakes(), 0);
            }
            Poll::Pending => {
                assert_eq!(counter.wakes(), 1);
                assert_eq!(poll_once(&*latest, &mut cursor, &waker), Poll::Ready(Ok(1)));
            }
        }
    });
}
