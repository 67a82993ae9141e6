//! The registry of cases: every workload, every system.

use aimdb_core::mutex::{CriticalSectionRawMutex, NoopRawMutex, StdRawMutex};

use crate::harness::Runner;
use crate::{codec, join, on_embassy, ours, raw_embassy, raw_tokio, reference, topology};

/// What one message goes through. Buffer-level workloads do one push then one receive per
/// reader per message, on a current-thread runtime, with `recv().await` (the value is
/// already there, so no task switch happens).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    /// Ring of 16, one reader.
    Ring1,
    /// Ring of 16, one writer, four readers each receiving every message.
    Ring4,
    /// Single-latest buffer, one reader.
    Latest,
    /// Mailbox: one slot, overwrite, taken on read.
    Mailbox,
    /// A source task produces into a ring of 16 and yields; a tap task receives. Two
    /// tasks on the system's own runner; per-message time over a whole batch, task
    /// start-up included.
    Pipeline,
    /// A join over two inputs (a ring that fires, a single-latest that stays quiet): a
    /// value produced into the ring -> the join's handler produces `value + 1` -> a tap on
    /// the output sees it. The join and the tap run as tasks for the runner's life.
    Join,
    /// One climate reading encoded into a stack buffer and decoded back: a named codec
    /// with the contract header against the hand-written raw codec. No buffer, no task.
    Codec,
}

impl Workload {
    /// Every workload, in table order.
    pub const ALL: [Workload; 7] = [
        Workload::Ring1,
        Workload::Ring4,
        Workload::Latest,
        Workload::Mailbox,
        Workload::Pipeline,
        Workload::Join,
        Workload::Codec,
    ];

    /// The row name in the table.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Ring1 => "ring, 1 reader",
            Workload::Ring4 => "ring, 1 -> 4 readers",
            Workload::Latest => "single-latest",
            Workload::Mailbox => "mailbox",
            Workload::Pipeline => "source -> buffer -> tap",
            Workload::Join => "join trigger (2 inputs)",
            Workload::Codec => "encode + decode (a reading)",
        }
    }

    /// How much faster than the reference ours must be (the bar); `None` where
    /// the issue sets none (the join trigger: its ratio is printed, not judged).
    pub fn reference_bar(self) -> Option<f64> {
        match self {
            Workload::Ring1 | Workload::Ring4 | Workload::Latest => Some(3.0),
            Workload::Mailbox => Some(1.5),
            Workload::Pipeline => Some(5.0),
            Workload::Join | Workload::Codec => None,
        }
    }

    /// How close to the best raw primitive ours must stay (ours/raw at most this);
    /// `None` for the codec row, whose "raw" is a hand-written 16-byte codec that does
    /// less (no contract, no serde): its ratio is the price of both, printed, not judged.
    pub fn raw_bar(self) -> Option<f64> {
        match self {
            Workload::Codec => None,
            _ => Some(1.10),
        }
    }
}

/// Which system a case measures, and which comparison class it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// aimdb-core buffers.
    Ours,
    /// aimdb-core 1.1.0 + aimdb-tokio-adapter 0.6.0.
    Reference,
    /// A raw primitive.
    Raw,
}

/// Whether a case may be shared between threads (tokio, `StdRawMutex`,
/// `CriticalSectionRawMutex`) or only used from one (`NoopRawMutex`). Ratios compare
/// like with like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    /// `NoopRawMutex`: one executor, no interrupts.
    SameThread,
    /// Safe to share across threads.
    ThreadSafe,
}

/// One measured implementation of one workload.
pub struct Case {
    /// What it does.
    pub workload: Workload,
    /// Whose implementation.
    pub family: Family,
    /// Its comparison class.
    pub sharing: Sharing,
    /// Short name: the mutex or primitive used.
    pub label: &'static str,
    /// Builds the runner (buffers, handles, runtime). Not timed.
    pub make: fn() -> Runner,
}

impl Case {
    /// Whether this case is a side variant (concrete handles where users get erased ones,
    /// a different task layout) rather than a headline figure for the summary table.
    pub fn is_variant(&self) -> bool {
        self.label.contains("concrete")
            || self.label.contains("one task")
            || self.label.contains("on embassy executor")
    }

    /// A unique id, `workload/label`, used to join the alloc counts to the timings.
    pub fn id(&self) -> String {
        format!("{:?}/{}", self.workload, self.label)
    }
}

macro_rules! case {
    ($w:ident, $f:ident, $s:ident, $label:expr, $make:expr) => {
        Case {
            workload: Workload::$w,
            family: Family::$f,
            sharing: Sharing::$s,
            label: $label,
            make: $make,
        }
    };
}

type Noop = NoopRawMutex;
type Cs = CriticalSectionRawMutex;
type Std = StdRawMutex;

/// The cases a command-line filter selects: the one case whose id is exactly `filter`, or
/// else every case whose id contains it; every case without a filter.
pub fn select(filter: Option<&str>) -> Vec<Case> {
    let cases = all_cases();
    let Some(filter) = filter else { return cases };
    if cases.iter().any(|c| c.id() == filter) {
        cases.into_iter().filter(|c| c.id() == filter).collect()
    } else {
        cases
            .into_iter()
            .filter(|c| c.id().contains(filter))
            .collect()
    }
}

/// Every case of every workload.
#[rustfmt::skip] // one case per line reads as a table
pub fn all_cases() -> Vec<Case> {
    vec![
        // ring, 1 reader
        case!(Ring1, Ours, SameThread, "ours Noop", ours::ring1::<Noop>),
        case!(Ring1, Ours, ThreadSafe, "ours Std concrete", ours::ring1::<Std>),
        case!(Ring1, Ours, ThreadSafe, "ours CS", ours::ring1_erased::<Cs>),
        case!(Ring1, Ours, ThreadSafe, "ours Std", ours::ring1_erased::<Std>),
        case!(Ring1, Reference, ThreadSafe, "reference", reference::ring1),
        case!(Ring1, Raw, ThreadSafe, "tokio broadcast", raw_tokio::ring1),
        case!(Ring1, Raw, SameThread, "embassy PubSub Noop", raw_embassy::ring1::<Noop>),
        case!(Ring1, Raw, ThreadSafe, "embassy PubSub CS", raw_embassy::ring1::<Cs>),
        // ring, 1 -> 4
        case!(Ring4, Ours, SameThread, "ours Noop", ours::ring4::<Noop>),
        case!(Ring4, Ours, ThreadSafe, "ours Std concrete", ours::ring4::<Std>),
        case!(Ring4, Ours, ThreadSafe, "ours CS", ours::ring4_erased::<Cs>),
        case!(Ring4, Ours, ThreadSafe, "ours Std", ours::ring4_erased::<Std>),
        case!(Ring4, Reference, ThreadSafe, "reference", reference::ring4),
        case!(Ring4, Raw, ThreadSafe, "tokio broadcast", raw_tokio::ring4),
        case!(Ring4, Raw, SameThread, "embassy PubSub Noop", raw_embassy::ring4::<Noop>),
        case!(Ring4, Raw, ThreadSafe, "embassy PubSub CS", raw_embassy::ring4::<Cs>),
        // single-latest
        case!(Latest, Ours, SameThread, "ours Noop", ours::latest::<Noop>),
        case!(Latest, Ours, ThreadSafe, "ours Std concrete", ours::latest::<Std>),
        case!(Latest, Ours, ThreadSafe, "ours CS", ours::latest_erased::<Cs>),
        case!(Latest, Ours, ThreadSafe, "ours Std", ours::latest_erased::<Std>),
        case!(Latest, Reference, ThreadSafe, "reference", reference::latest),
        case!(Latest, Raw, ThreadSafe, "tokio watch", raw_tokio::latest),
        case!(Latest, Raw, SameThread, "embassy Watch Noop", raw_embassy::latest::<Noop>),
        case!(Latest, Raw, ThreadSafe, "embassy Watch CS", raw_embassy::latest::<Cs>),
        // mailbox
        case!(Mailbox, Ours, SameThread, "ours Noop", ours::mailbox::<Noop>),
        case!(Mailbox, Ours, ThreadSafe, "ours Std concrete", ours::mailbox::<Std>),
        case!(Mailbox, Ours, ThreadSafe, "ours CS", ours::mailbox_erased::<Cs>),
        case!(Mailbox, Ours, ThreadSafe, "ours Std", ours::mailbox_erased::<Std>),
        case!(Mailbox, Reference, ThreadSafe, "reference", reference::mailbox),
        case!(Mailbox, Raw, ThreadSafe, "tokio Notify+Mutex", raw_tokio::mailbox),
        case!(Mailbox, Raw, SameThread, "embassy Signal Noop", raw_embassy::mailbox::<Noop>),
        case!(Mailbox, Raw, ThreadSafe, "embassy Signal CS", raw_embassy::mailbox::<Cs>),
        // source -> buffer -> tap on tokio current-thread
        case!(Pipeline, Ours, SameThread, "ours Noop (spawn_local)", ours::pipeline_local),
        case!(Pipeline, Ours, SameThread, "ours Noop, one task (join!)", ours::pipeline_joined),
        case!(Pipeline, Ours, ThreadSafe, "ours topology! (Std)", topology::pipeline),
        case!(Pipeline, Ours, ThreadSafe, "ours CS", ours::pipeline::<Cs>),
        case!(Pipeline, Ours, ThreadSafe, "ours Std", ours::pipeline::<Std>),
        case!(Pipeline, Reference, ThreadSafe, "reference (its runner)", reference::pipeline),
        case!(Pipeline, Raw, ThreadSafe, "tokio broadcast", raw_tokio::pipeline),
        case!(Pipeline, Raw, SameThread, "embassy PubSub Noop (spawn_local)", raw_embassy::pipeline_local),
        case!(Pipeline, Raw, ThreadSafe, "embassy PubSub CS", raw_embassy::pipeline::<Cs>),
        // the same on an embassy executor (no reference runner there): side variants
        case!(Pipeline, Ours, ThreadSafe, "ours topology! on embassy executor (CS)", on_embassy::ours_pipeline),
        case!(Pipeline, Raw, ThreadSafe, "embassy PubSub CS on embassy executor", on_embassy::raw_pipeline),
        // join trigger on tokio current-thread (no primitive joins: the raw case is a
        // hand-written select! over broadcast + watch)
        case!(Join, Ours, ThreadSafe, "ours topology! (Std)", join::ours),
        case!(Join, Reference, ThreadSafe, "reference (its runner)", join::reference),
        case!(Join, Raw, ThreadSafe, "tokio select! broadcast+watch", join::raw_tokio),
        // encode + decode of a reading (a codec is thread-agnostic: one class)
        case!(Codec, Ours, ThreadSafe, "postcard + contract header", codec::postcard),
        case!(Codec, Ours, ThreadSafe, "json + contract header", codec::json),
        case!(Codec, Raw, ThreadSafe, "raw to_bytes/from_bytes", codec::raw),
    ]
}
