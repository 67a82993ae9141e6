//! Buffers shared by threads over `StdRawMutex`, small enough for miri.

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::Wake;
use std::thread;
use std::time::{Duration, Instant};
use std::vec::Vec;

use embassy_sync::blocking_mutex::raw::RawMutex;

use crate::mutex::StdRawMutex;
use crate::{Consumer, Mailbox, Producer, SingleLatest, SpmcRing, TryRecvError};

const VALUES: u32 = if cfg!(miri) { 60 } else { 20_000 };

#[test]
fn std_mutex_excludes_and_survives_a_panic() {
    static MUTEX: StdRawMutex = StdRawMutex::INIT;
    static IN_SECTION: AtomicBool = AtomicBool::new(false);
    let workers: Vec<_> = (0..3)
        .map(|_| {
            thread::spawn(|| {
                for _ in 0..20 {
                    MUTEX.lock(|| {
                        assert!(!IN_SECTION.swap(true, Ordering::SeqCst), "two holders");
                        thread::yield_now();
                        IN_SECTION.store(false, Ordering::SeqCst);
                    });
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    // A panic inside the lock poisons the std mutex; the lock stays usable.
    let panicked = std::panic::catch_unwind(|| MUTEX.lock(|| panic!("inside the lock")));
    assert!(panicked.is_err());
    assert_eq!(MUTEX.lock(|| 7), 7);
}

#[test]
fn ring_readers_on_threads_see_every_value_or_its_lag() {
    static RING: SpmcRing<StdRawMutex, u32, 8, 2> = SpmcRing::new();
    let readers: Vec<_> = (0..2)
        .map(|_| Consumer::subscribe(&RING).unwrap())
        .map(|mut reader| {
            thread::spawn(move || {
                let (mut expected, mut seen, mut lagged) = (0u32, 0u32, 0u32);
                while expected < VALUES {
                    match reader.try_recv() {
                        Ok(v) => {
                            assert_eq!(v, expected);
                            expected += 1;
                            seen += 1;
                        }
                        Err(TryRecvError::Lagged(n)) => {
                            expected += n as u32;
                            lagged += n as u32;
                        }
                        Err(TryRecvError::Empty) => thread::yield_now(),
                    }
                }
                assert_eq!(seen + lagged, VALUES);
            })
        })
        .collect();
    let writer = thread::spawn(|| {
        for v in 0..VALUES {
            Producer::new(&RING).produce(v);
        }
    });
    writer.join().unwrap();
    for reader in readers {
        reader.join().unwrap();
    }
}

#[test]
fn mailbox_readers_on_threads_take_each_instruction_once() {
    static MAILBOX: Mailbox<StdRawMutex, u32, 2> = Mailbox::new();
    static TAKEN: [std::sync::Mutex<Vec<u32>>; 2] = [
        std::sync::Mutex::new(Vec::new()),
        std::sync::Mutex::new(Vec::new()),
    ];
    let total = || TAKEN.iter().map(|t| t.lock().unwrap().len()).sum::<usize>();
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|index| {
            let mut reader = Consumer::subscribe(&MAILBOX).unwrap();
            let done = done.clone();
            thread::spawn(move || {
                while !done.load(Ordering::SeqCst) {
                    match reader.try_recv() {
                        Ok(v) => TAKEN[index].lock().unwrap().push(v),
                        Err(_) => thread::yield_now(),
                    }
                }
            })
        })
        .collect();
    let count = VALUES.min(200);
    for v in 0..count {
        Producer::new(&MAILBOX).produce(v);
        while total() < v as usize + 1 {
            thread::yield_now();
        }
    }
    done.store(true, Ordering::SeqCst);
    for reader in readers {
        reader.join().unwrap();
    }
    let mut all: Vec<u32> = TAKEN
        .iter()
        .flat_map(|t| t.lock().unwrap().clone())
        .collect();
    all.sort_unstable();
    assert_eq!(all, (0..count).collect::<Vec<_>>());
}

#[test]
fn single_latest_readers_on_threads_see_increasing_values_and_the_last() {
    static LATEST: SingleLatest<StdRawMutex, u32, 2> = SingleLatest::new();
    let readers: Vec<_> = (0..2)
        .map(|_| Consumer::subscribe(&LATEST).unwrap())
        .map(|mut reader| {
            thread::spawn(move || {
                let mut last = None;
                while last != Some(VALUES - 1) {
                    match reader.try_recv() {
                        Ok(v) => {
                            assert!(last < Some(v), "{v} after {last:?}");
                            last = Some(v);
                        }
                        Err(_) => thread::yield_now(),
                    }
                }
            })
        })
        .collect();
    for v in 0..VALUES {
        Producer::new(&LATEST).produce(v);
    }
    for reader in readers {
        reader.join().unwrap();
    }
}

#[test]
fn std_mutex_parks_waiters_and_hands_the_lock_over() {
    static MUTEX: StdRawMutex = StdRawMutex::INIT;
    static HOLDERS: AtomicUsize = AtomicUsize::new(0);
    static ENTERED: AtomicUsize = AtomicUsize::new(0);
    let workers: Vec<_> = (0..3)
        .map(|_| {
            thread::spawn(|| {
                for _ in 0..4 {
                    MUTEX.lock(|| {
                        assert_eq!(HOLDERS.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                        // Long enough that the others spin out and park.
                        thread::sleep(Duration::from_millis(2));
                        HOLDERS.fetch_sub(1, Ordering::SeqCst);
                        ENTERED.fetch_add(1, Ordering::SeqCst);
                    });
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(ENTERED.load(Ordering::SeqCst), 12);
}

/// Wakes a parked thread.
struct Unpark(thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `future` on this thread, parking between polls. Returns how many parks ended by
/// timeout rather than by a wake-up: a lost wake-up shows there (and under miri, whose
/// clock jumps when every thread is parked, costs no real time).
fn block_on<F: Future>(future: F) -> (F::Output, u32) {
    const PATIENCE: Duration = Duration::from_secs(5);
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    let mut timeouts = 0;
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return (output, timeouts);
        }
        let parked = Instant::now();
        thread::park_timeout(PATIENCE);
        if parked.elapsed() >= PATIENCE {
            timeouts += 1;
        }
    }
}

#[test]
fn awaiting_readers_on_threads_are_woken_every_time() {
    static REQUEST: SingleLatest<StdRawMutex, u32, 1> = SingleLatest::new();
    static ACK: Mailbox<StdRawMutex, u32, 1> = Mailbox::new();
    let rounds = VALUES.min(if cfg!(miri) { 30 } else { 2_000 });
    let mut requests = Consumer::subscribe(&REQUEST).unwrap();
    let mut acks = Consumer::subscribe(&ACK).unwrap();
    let echo = thread::spawn(move || {
        let mut timeouts = 0;
        loop {
            let (v, t) = block_on(requests.recv());
            timeouts += t;
            let v = v.unwrap();
            Producer::new(&ACK).produce(v);
            if v == rounds {
                return timeouts;
            }
        }
    });
    let mut timeouts = 0;
    for v in 1..=rounds {
        Producer::new(&REQUEST).produce(v);
        let (ack, t) = block_on(acks.recv());
        timeouts += t;
        assert_eq!(ack, Ok(v));
    }
    assert_eq!((timeouts, echo.join().unwrap()), (0, 0), "lost wake-ups");
}

static DROPS_INTO: SingleLatest<StdRawMutex, Noisy, 1> = SingleLatest::new();

/// A value whose `drop` needs the lock of the buffer it was in (from another thread, so
/// a drop under the lock shows as a timeout rather than a hang).
#[derive(Clone, Debug, PartialEq)]
struct Noisy(u32);

impl Drop for Noisy {
    fn drop(&mut self) {
        let (done, finished) = std::sync::mpsc::channel();
        thread::spawn(move || done.send(DROPS_INTO.produced()).unwrap());
        let outcome = finished.recv_timeout(Duration::from_secs(5));
        assert!(
            outcome.is_ok(),
            "a replaced value was dropped under the lock"
        );
    }
}

#[test]
fn a_replaced_value_is_dropped_after_the_lock_is_released() {
    Producer::new(&DROPS_INTO).produce(Noisy(1));
    // Replaces (and drops) `Noisy(1)`.
    Producer::new(&DROPS_INTO).produce(Noisy(2));
    assert_eq!(DROPS_INTO.produced(), 2);
}
