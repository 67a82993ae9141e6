//! The join receiver over hand-written versions of what a compiled join generates: fairness,
//! lag on the trigger, each buffer's semantics, wakers on every input.

extern crate std;

use core::sync::atomic::{AtomicUsize, Ordering};
use core::task::{Context, Poll, Waker};
use std::sync::Arc;
use std::task::Wake;
use std::vec::Vec;

use super::*;
use crate::mutex::NoopRawMutex;
use crate::{Consumer, Mailbox, Producer, SingleLatest, SpmcRing};

type Ring = SpmcRing<NoopRawMutex, u32, 4, 1>;
type Latest = SingleLatest<NoopRawMutex, i8, 1>;
type Box1 = Mailbox<NoopRawMutex, u32, 1>;

/// What the compiler generates for `b.input::<u32>("ring").input::<i8>("latest").input::<u32>("mailbox")`.
#[derive(Clone, Debug, PartialEq)]
enum Input {
    Ring(u32),
    Latest(i8),
    Mailbox(u32),
}

impl JoinInput for Input {
    fn index(&self) -> usize {
        match self {
            Input::Ring(_) => 0,
            Input::Latest(_) => 1,
            Input::Mailbox(_) => 2,
        }
    }
    fn key(&self) -> &'static dyn RecordKey {
        match self {
            Input::Ring(_) => &"ring",
            Input::Latest(_) => &"latest",
            Input::Mailbox(_) => &"mailbox",
        }
    }
}

impl AsInput<u32> for Input {
    fn as_input(&self) -> Option<&u32> {
        match self {
            Input::Ring(v) | Input::Mailbox(v) => Some(v),
            _ => None,
        }
    }
    fn into_input(self) -> Option<u32> {
        match self {
            Input::Ring(v) | Input::Mailbox(v) => Some(v),
            _ => None,
        }
    }
}

impl AsInput<i8> for Input {
    fn as_input(&self) -> Option<&i8> {
        match self {
            Input::Latest(v) => Some(v),
            _ => None,
        }
    }
    fn into_input(self) -> Option<i8> {
        match self {
            Input::Latest(v) => Some(v),
            _ => None,
        }
    }
}

struct Inputs<'a> {
    ring: Consumer<'a, u32, Ring>,
    latest: Consumer<'a, i8, Latest>,
    mailbox: Consumer<'a, u32, Box1>,
}

impl JoinInputs for Inputs<'_> {
    type Input = Input;
    fn poll_input(&mut self, index: usize, cx: &mut Context<'_>) -> Poll<Result<Input, RecvError>> {
        match index {
            0 => self.ring.poll_recv(cx).map(|r| r.map(Input::Ring)),
            1 => self.latest.poll_recv(cx).map(|r| r.map(Input::Latest)),
            _ => self.mailbox.poll_recv(cx).map(|r| r.map(Input::Mailbox)),
        }
    }
}

#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

struct Fixture {
    ring: Ring,
    latest: Latest,
    mailbox: Box1,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            ring: Ring::new(),
            latest: Latest::new(),
            mailbox: Box1::new(),
        }
    }

    fn rx(&self) -> JoinRx<Inputs<'_>, 3> {
        JoinRx::new(Inputs {
            ring: Consumer::subscribe(&self.ring).unwrap(),
            latest: Consumer::subscribe(&self.latest).unwrap(),
            mailbox: Consumer::subscribe(&self.mailbox).unwrap(),
        })
    }
}

/// Everything ready now, as (index, lagged, input).
fn drain(rx: &mut JoinRx<Inputs<'_>, 3>) -> Vec<(usize, Option<u64>, Input)> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    while let Poll::Ready(trigger) = rx.poll_recv(&mut cx) {
        out.push((trigger.index(), trigger.lagged(), trigger.into_inner()));
    }
    out
}

#[test]
fn inputs_take_turns_so_a_busy_input_cannot_starve_the_others() {
    let f = Fixture::new();
    let mut rx = f.rx();
    for v in 0..3 {
        Producer::new(&f.ring).produce(v);
    }
    Producer::new(&f.latest).produce(-1);
    Producer::new(&f.mailbox).produce(100);
    let seen: Vec<_> = drain(&mut rx).into_iter().map(|(_, _, i)| i).collect();
    assert_eq!(
        seen,
        [
            Input::Ring(0),
            Input::Latest(-1),
            Input::Mailbox(100),
            Input::Ring(1),
            Input::Ring(2)
        ]
    );
}

#[test]
fn a_lagging_ring_input_reports_the_loss_on_its_next_trigger() {
    let f = Fixture::new();
    let mut rx = f.rx();
    for v in 0..10 {
        Producer::new(&f.ring).produce(v);
    }
    let seen = drain(&mut rx);
    // Capacity 4, ten values: six lost, then 6..=9; the loss is reported once.
    assert_eq!(
        seen,
        [
            (0, Some(6), Input::Ring(6)),
            (0, None, Input::Ring(7)),
            (0, None, Input::Ring(8)),
            (0, None, Input::Ring(9)),
        ]
    );
}

#[test]
fn each_input_keeps_its_buffer_semantics() {
    let f = Fixture::new();
    let mut rx = f.rx();
    // Single-latest collapses a burst to the newest; the mailbox keeps the latest pending.
    for v in 0..5 {
        Producer::new(&f.latest).produce(v);
        Producer::new(&f.mailbox).produce(10 + v as u32);
    }
    let seen: Vec<_> = drain(&mut rx).into_iter().map(|(_, _, i)| i).collect();
    assert_eq!(seen, [Input::Latest(4), Input::Mailbox(14)]);
    // A mailbox value is taken: another reader of the mailbox finds nothing.
    Producer::new(&f.mailbox).produce(7);
    let seen: Vec<_> = drain(&mut rx).into_iter().map(|(_, _, i)| i).collect();
    assert_eq!(seen, [Input::Mailbox(7)]);
    assert_eq!(f.mailbox.produced(), 6);
}

#[test]
fn pending_registers_with_every_input() {
    let f = Fixture::new();
    let mut rx = f.rx();
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(counter.clone());
    let mut cx = Context::from_waker(&waker);
    assert!(rx.poll_recv(&mut cx).is_pending());
    Producer::new(&f.mailbox).produce(1);
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        1,
        "the mailbox woke the join"
    );
    assert!(rx.poll_recv(&mut cx).is_ready());
    assert!(rx.poll_recv(&mut cx).is_pending());
    Producer::new(&f.latest).produce(1);
    assert_eq!(
        counter.0.load(Ordering::SeqCst),
        2,
        "the single-latest woke the join"
    );
}

#[test]
fn as_input_selects_by_type_and_key_tells_inputs_apart() {
    let trigger = Trigger::new(Input::Mailbox(5), 0);
    assert_eq!(trigger.as_input::<u32>(), Some(&5));
    assert_eq!(trigger.as_input::<i8>(), None);
    assert_eq!(trigger.key().as_str(), "mailbox");
    assert_eq!(trigger.index(), 2);
    assert_eq!(trigger.lagged(), None);
    assert_eq!(
        Trigger::new(Input::Latest(-3), 2).into_input::<i8>(),
        Some(-3)
    );
}

#[test]
fn map_output_accepts_a_value_or_an_option() {
    assert_eq!(MapOutput::<u8>::into_output(3u8), Some(3));
    assert_eq!(MapOutput::<u8>::into_output(None::<u8>), None);
    assert_eq!(MapOutput::<u8>::into_output(Some(4u8)), Some(4));
}
