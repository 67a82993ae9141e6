//! Transforms and joins at run time: one task reads several input records through one
//! receiver, with no channel, box or heap in between.
//!
//! A compiled join generates, per joined record:
//! - an enum with one variant per input, holding that input's value (the trigger's payload),
//!   implementing [`JoinInput`] (which input fired) and [`AsInput<T>`] once per distinct
//!   input type (`trigger.as_input::<T>()`);
//! - a struct holding one [`Consumer`](crate::Consumer) per input, implementing
//!   [`JoinInputs`]: it polls input `i` of its buffer.
//!
//! An input may be a record family (one buffer per instance, at an observer): the struct
//! then holds one consumer per instance, each polled as an input of its own, and the
//! enum's variant for it carries the instance with the value
//! (`ReadingInput::Reading(instance, value)`, [`Trigger::instance`]).
//!
//! [`JoinRx`] polls the inputs' own buffers directly, round-robin from the input after the
//! one that fired last, so a busy input cannot starve the others. Each input is read with
//! its buffer's semantics (a ring delivers every value, a single-latest buffer the newest, a
//! mailbox the pending instruction); when a ring input lagged, the values it lost are
//! counted on the next [`Trigger`] from that input ([`Trigger::lagged`]) instead of ending
//! the handler's `while let Ok(trigger) = rx.recv().await` loop.

use core::fmt;
use core::future::{Future, poll_fn};
use core::task::{Context, Poll};

use crate::RecvError;
use crate::key::RecordKey;

/// The payload of a join's trigger: which input fired, with its value. Implemented by the
/// enum a compiled join generates (one variant per input, in the order written).
pub trait JoinInput {
    /// The input's position in the join's declaration, from 0.
    fn index(&self) -> usize;
    /// The input record's key (a family's as written, `climate/{instance}/reading`).
    fn key(&self) -> &'static dyn RecordKey;
    /// For an input that is a record family, the instance whose value this is; `None` for
    /// a plain record (the default).
    fn instance(&self) -> Option<&'static str> {
        None
    }
}

/// Access to an input value of type `T`. A compiled join implements it once for every
/// distinct input type, so `trigger.as_input::<T>()` compiles exactly for the join's types.
#[diagnostic::on_unimplemented(
    message = "this join has no input of type `{T}`",
    label = "`{Self}` has no variant holding a `{T}`",
    note = "`as_input::<T>()` takes one of the types declared with `b.input::<T>(KEY)`"
)]
pub trait AsInput<T> {
    /// The value, if this input has type `T`.
    fn as_input(&self) -> Option<&T>;
    /// The value by move, if this input has type `T`.
    fn into_input(self) -> Option<T>;
}

/// The inputs of one join, polled by index. Implemented by the consumers struct a compiled
/// join generates.
pub trait JoinInputs {
    /// The trigger payload (the generated enum).
    type Input: JoinInput;
    /// Take the next value of input `index`, or register `cx`'s waker with its buffer.
    fn poll_input(
        &mut self,
        index: usize,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Self::Input, RecvError>>;
}

/// One input value, handed to a join's handler by [`JoinRx::recv`].
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger<I> {
    input: I,
    missed: u64,
}

impl<I: JoinInput> Trigger<I> {
    /// A trigger carrying `input`, after `missed` lost values of the same input.
    pub const fn new(input: I, missed: u64) -> Self {
        Trigger { input, missed }
    }

    /// The value, if the input that fired has type `T` (borrowed; see
    /// [`into_input`](Self::into_input) to take it).
    pub fn as_input<T>(&self) -> Option<&T>
    where
        I: AsInput<T>,
    {
        self.input.as_input()
    }

    /// The value by move, if the input that fired has type `T`.
    pub fn into_input<T>(self) -> Option<T>
    where
        I: AsInput<T>,
    {
        self.input.into_input()
    }

    /// Which input fired: its position in the join's declaration, from 0.
    pub fn index(&self) -> usize {
        self.input.index()
    }

    /// The key of the input that fired.
    pub fn key(&self) -> &'static dyn RecordKey {
        self.input.key()
    }

    /// When the input that fired is a record family, the instance whose value this is
    /// (`Some("zone-b")`); `None` for a plain record.
    pub fn instance(&self) -> Option<&'static str> {
        self.input.instance()
    }

    /// `Some(n)` when `n` values of this input were overwritten in its ring before this one
    /// could be read (the handler fell behind); `None` when nothing was lost.
    pub fn lagged(&self) -> Option<u64> {
        (self.missed > 0).then_some(self.missed)
    }

    /// The generated input enum, to `match` on every input by name.
    pub fn input(&self) -> &I {
        &self.input
    }

    /// The generated input enum, by move.
    pub fn into_inner(self) -> I {
        self.input
    }
}

/// Why [`JoinRx::recv`] returned no trigger.
///
/// A generated node's records are statics that never close, so its joins never return it:
/// the seed's `while let Ok(trigger) = rx.recv().await` loop runs for the life of the node,
/// and lag is reported on the trigger ([`Trigger::lagged`]), never as an error. The
/// `Result` keeps that loop shape valid for receivers that can end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Closed(());

impl fmt::Display for Closed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the join's inputs are closed")
    }
}

/// How often one poll re-reads an input that reported lag before moving on: a ring that
/// lagged holds values, so the first re-read normally succeeds.
const LAG_REREADS: usize = 4;

/// The receiver a join's handler gets: `N` inputs polled together, fairly.
pub struct JoinRx<S: JoinInputs, const N: usize> {
    inputs: S,
    /// The input polled first next time: the one after the input that fired last.
    next: usize,
    /// Values lost per input and not yet reported on a trigger.
    missed: [u64; N],
}

impl<S: JoinInputs, const N: usize> JoinRx<S, N> {
    /// A receiver over `inputs`, which has `N` inputs numbered `0..N`.
    pub const fn new(inputs: S) -> Self {
        JoinRx {
            inputs,
            next: 0,
            missed: [0; N],
        }
    }

    /// Wait for the next value of any input. Cancel-safe: a value is taken from its buffer
    /// only when this returns it.
    #[inline]
    pub fn recv(&mut self) -> impl Future<Output = Result<Trigger<S::Input>, Closed>> {
        poll_fn(move |cx| self.poll_recv(cx).map(Ok))
    }

    /// Poll every input once, starting after the one that fired last; on `Pending`, every
    /// input's buffer holds this task's waker.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Trigger<S::Input>> {
        for offset in 0..N {
            let index = (self.next + offset) % N;
            for _ in 0..LAG_REREADS {
                match self.inputs.poll_input(index, cx) {
                    Poll::Ready(Ok(input)) => {
                        self.next = (index + 1) % N;
                        let missed = core::mem::take(&mut self.missed[index]);
                        return Poll::Ready(Trigger::new(input, missed));
                    }
                    Poll::Ready(Err(RecvError::Lagged(n))) => {
                        self.missed[index] = self.missed[index].saturating_add(n);
                    }
                    Poll::Pending => break,
                }
            }
        }
        Poll::Pending
    }
}

impl<S: JoinInputs, const N: usize> fmt::Debug for JoinRx<S, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinRx")
            .field("next", &self.next)
            .field("missed", &self.missed)
            .finish_non_exhaustive()
    }
}

/// What a `.transform(KEY, |b| b.map(f))` function may return: the output value, or
/// `Option` of it (`None` produces nothing for that input value).
#[diagnostic::on_unimplemented(
    message = "a `.map` function must return the record's value type `{Out}` or `Option<{Out}>`, not `{Self}`",
    label = "returns `{Self}`"
)]
pub trait MapOutput<Out> {
    /// The value to produce, if any.
    fn into_output(self) -> Option<Out>;
}

impl<Out> MapOutput<Out> for Out {
    #[inline]
    fn into_output(self) -> Option<Out> {
        Some(self)
    }
}

impl<Out> MapOutput<Out> for Option<Out> {
    #[inline]
    fn into_output(self) -> Option<Out> {
        self
    }
}

#[cfg(test)]
mod tests;
