//! Instructions per message on a Cortex-M4, counted by QEMU (`scripts/mcu-cost.sh`).
//!
//! Under `qemu-system-arm -icount shift=0` the emulated CPU's virtual clock advances exactly
//! one nanosecond per executed instruction, and the board's timers run on that clock. So the
//! firmware's own clock (`embassy_time::Instant`, board-mps2's timer 0, 1 µs ticks) read
//! around a loop of N messages gives the instructions the loop executed, to ±1,000 in
//! total: ±0.05 instructions per message at the full N of 20,000.
//!
//! The firmware first checks that claim: it times an assembly loop of known length (two
//! instructions per turn) and prints it as `calibration`; the script refuses figures from a
//! QEMU where it is not ~1 ns per instruction. It then times the measuring loop with no
//! work in it (`loop`), which the script subtracts from the buffer and codec cases.
//!
//! Each case prints one line on the semihosting console:
//!
//! ```text
//! mcu-cost calibration <turns of a 2-instruction loop> <ns>
//! mcu-cost loop <messages> <ns>
//! mcu-cost case <id> <messages> <ns> net|gross
//! mcu-cost done <faults>
//! ```
//!
//! `net` cases are tight loops whose loop overhead is subtracted; `gross` cases (the
//! emitted node, the join) are timed end to end on the executor, everything included.
//! Every case checks what it read (a sum of the values), so a broken hand-off is a
//! fault (exit status 1) rather than a fast figure. `messages=N` on QEMU's `-append`
//! command line sets N (the script's `--quick` passes a small one), `turns=N` the
//! calibration loop's length.
#![no_std]
#![no_main]

use core::cell::Cell;
use core::future::Future;
use core::hint::black_box;
use core::pin::{Pin, pin};
use core::sync::atomic::{AtomicU32, Ordering};
use core::task::{Context, Poll, Waker};

use aimdb::codec::Postcard;
use aimdb::mutex::CriticalSectionRawMutex;
use aimdb::{Consumer, Mailbox, Producer, RecordBuffer, SingleLatest, SpmcRing};
use climate_model::Temperature;
use cortex_m_semihosting::hprintln;
use embassy_sync::blocking_mutex::Mutex;
use embassy_sync::signal::Signal;
use embassy_time::Instant;

/// Messages per case unless `messages=N` is on the command line.
const DEFAULT_MESSAGES: u32 = 20_000;

/// Turns of the calibration loop: 2,000,000 instructions, 2 ms of virtual time.
const CALIBRATION_TURNS: u32 = 1_000_000;

/// Messages per case, set once from the command line before anything is measured.
static MESSAGES: AtomicU32 = AtomicU32::new(DEFAULT_MESSAGES);

/// Cases that read something other than what was produced.
static FAULTS: AtomicU32 = AtomicU32::new(0);

fn messages() -> u64 {
    u64::from(MESSAGES.load(Ordering::Relaxed))
}

/// Virtual nanoseconds between two readings of the board's clock (1 µs ticks).
fn elapsed_ns(start: Instant) -> u64 {
    (Instant::now() - start).as_micros() * 1_000
}

/// Print a case's figure, after a fault line if `sum` is not what the case should have read.
fn report(id: &str, messages: u64, ns: u64, kind: &str, sum: u64, expected: u64) {
    if sum != expected {
        FAULTS.fetch_add(1, Ordering::Relaxed);
        hprintln!("mcu-cost fault {id}: read sum {sum}, expected {expected}");
    }
    hprintln!("mcu-cost case {id} {messages} {ns} {kind}");
}

/// 0 + 1 + ... + (n - 1): what a reader that saw every value once sums to.
fn triangle(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Time `n` turns of `one(i)` for `i` in `0..n` and sum what they return.
///
/// Never inlined, so every case (and the empty loop) gets this very loop around its work:
/// the difference to the empty loop is the work. `black_box(i)` keeps the compiler from
/// computing a case's results ahead; the sum (a local, so it stays in a register even
/// across the critical section's memory clobber) keeps it from dropping the reads.
#[inline(never)]
fn timed(n: u64, mut one: impl FnMut(u64) -> u64) -> (u64, u64) {
    let mut sum = 0u64;
    let start = Instant::now();
    for i in 0..n {
        sum = sum.wrapping_add(one(black_box(i)));
    }
    (elapsed_ns(start), sum)
}

/// What a failed read adds to a case's sum: more than any right sum can reach.
const MISSED: u64 = 1 << 48;

/// Virtual ns for `turns` turns of a two-instruction loop (`subs`, `bne`): the check that
/// one virtual ns is one instruction.
#[inline(never)]
fn calibrate(turns: u32) -> u64 {
    let start = Instant::now();
    // SAFETY: a register-only countdown loop: no memory, no stack, flags clobbered (the
    // default for `asm!`).
    unsafe {
        core::arch::asm!(
            "2:",
            "subs {0}, #1",
            "bne 2b",
            inout(reg) turns => _,
            options(nomem, nostack),
        );
    }
    elapsed_ns(start)
}

/// The buffers a firmware's generated code would declare, with the mutex an embassy node
/// uses (`CriticalSectionRawMutex`: interrupts masked for the few instructions of a hand-off).
type Ring<const R: usize> = SpmcRing<CriticalSectionRawMutex, u64, 16, R>;
static RING: Ring<1> = SpmcRing::new();
static RING4: Ring<4> = SpmcRing::new();
static LATEST: SingleLatest<CriticalSectionRawMutex, u64, 1> = SingleLatest::new();
static MAILBOX: Mailbox<CriticalSectionRawMutex, u64, 1> = Mailbox::new();
static RING_TASK: Ring<1> = SpmcRing::new();

/// Produce, then read with one reader, per message: one buffer hand-off. Concrete handles,
/// as generated glue uses them; the erased handles a user function gets are in the node case.
fn hand_off<B: RecordBuffer<u64>>(id: &str, buffer: &'static B) {
    let n = messages();
    let producer = Producer::new(buffer);
    let Ok(mut reader) = Consumer::subscribe(buffer) else {
        board_mps2::exit(12)
    };
    let (ns, sum) = timed(n, |i| {
        producer.produce(i);
        reader.try_recv().unwrap_or(MISSED)
    });
    report(id, n, ns, "net", sum, triangle(n));
}

/// Produce, then read with each of the ring's four readers, per message.
fn ring_by_four() {
    let n = messages();
    let producer = Producer::new(&RING4);
    let subscribe = || match Consumer::subscribe(&RING4) {
        Ok(reader) => reader,
        Err(_) => board_mps2::exit(12),
    };
    let mut readers = [subscribe(), subscribe(), subscribe(), subscribe()];
    let (ns, sum) = timed(n, |i| {
        producer.produce(i);
        readers
            .iter_mut()
            .map(|reader| reader.try_recv().unwrap_or(MISSED))
            .fold(0, u64::wrapping_add)
    });
    report("ring4", n, ns, "net", sum, 4 * triangle(n));
}

/// The hand-off as a source and a tap write it: erased handles (`Producer<'static, u64>`,
/// what a user function gets, calls through the buffer's vtable) and `recv().await`, here
/// polled once with a value ready, as a tap's task polls it once it was woken.
fn ring_as_tasks() {
    let n = messages();
    let producer: Producer<'static, u64> = Producer::new(&RING_TASK).erase();
    let Ok(reader) = Consumer::subscribe(&RING_TASK) else {
        board_mps2::exit(12)
    };
    let mut reader: Consumer<'static, u64> = reader.erase();
    let mut cx = Context::from_waker(Waker::noop());
    let (ns, sum) = timed(n, |i| {
        producer.produce(i);
        match pin!(reader.recv()).poll(&mut cx) {
            Poll::Ready(Ok(v)) => v,
            _ => MISSED,
        }
    });
    report("ring-async", n, ns, "net", sum, triangle(n));
}

/// A reading an hour after boot (what the bench's codec case encodes), into a stack
/// buffer with the contract header, as `codec = "postcard"` on a `link_to` does.
fn postcard_encode() {
    let n = messages();
    // One buffer for all messages, as a link's serializer has: zeroing a fresh one per
    // message would be counted as the codec's work.
    let mut out = [0u8; 32];
    let (ns, sum) = timed(n, |i| {
        let reading = Temperature {
            seq: i as u32,
            celsius: 21.5,
            taken_us: 3_600_000_000 + i,
        };
        let written = aimdb::contract::encode::<Postcard, _>(&reading, &mut out);
        // The bytes must exist, not just their count.
        black_box(&out);
        written.map_or(MISSED, |len| len as u64)
    });
    // 8 header bytes, seq (a varint of up to 3 bytes here), 4 of celsius, 5 of taken_us.
    let expected = (0..n).map(|i| 17 + varint_len(i) as u64).sum();
    report("postcard", n, ns, "net", sum, expected);
}

/// Bytes of `value` as a postcard varint.
fn varint_len(value: u64) -> u32 {
    (64 - value.leading_zeros()).max(1).div_ceil(7)
}

// ---- the emitted embassy node: source -> ring -> tap --------------------------------

/// When the pipeline's source produced its first value.
static PIPELINE_START: Mutex<CriticalSectionRawMutex, Cell<Instant>> =
    Mutex::new(Cell::new(Instant::from_ticks(0)));
/// Set by the pipeline's tap when it is done: the join may start.
static JOIN_GO: Signal<CriticalSectionRawMutex, ()> = Signal::new();

/// Yields once: wakes itself and returns `Pending`, so the executor runs the other ready
/// tasks (the tap) before this one goes on. One value per turn, as the host bench does.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn yield_now() -> YieldNow {
    YieldNow(false)
}

async fn pipeline_source(producer: Producer<'static, u64>) {
    let n = messages();
    // Let every task of both nodes make its first poll (and park) before the clock starts.
    for _ in 0..4 {
        yield_now().await;
    }
    PIPELINE_START.lock(|start| start.set(Instant::now()));
    for i in 0..n {
        let _ = producer.produce(i).await;
        yield_now().await;
    }
}

async fn pipeline_tap(mut consumer: Consumer<'static, u64>) {
    let n = messages();
    let mut sum = 0u64;
    for _ in 0..n {
        sum = sum.wrapping_add(consumer.recv().await.unwrap_or(MISSED));
    }
    let start = PIPELINE_START.lock(Cell::get);
    report("pipeline", n, elapsed_ns(start), "gross", sum, triangle(n));
    JOIN_GO.signal(());
}

aimdb::topology! {
    node pipeline: embassy;
    builder.configure::<u64>("mcu-cost/pipeline", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 16 })
            .source(pipeline_source)
            .tap(pipeline_tap)
            .finish();
    });
}

// ---- the join trigger: ring + single-latest in, single-latest out, a tap --------------

/// The last value the join's tap saw (`u32`: the Cortex-M4 has no 64-bit atomics).
static JOIN_SEEN: AtomicU32 = AtomicU32::new(0);

/// Drives the join (the host bench's shape): produce a trigger, yield until the tap has
/// seen `value + 1`, next. Starts once the pipeline is done; ends the firmware.
async fn join_driver(producer: Producer<'static, u64>) {
    JOIN_GO.wait().await;
    let n = messages();
    let start = Instant::now();
    for v in 0..n {
        let _ = producer.produce(v).await;
        while JOIN_SEEN.load(Ordering::Acquire) != (v + 1) as u32 {
            yield_now().await;
        }
    }
    let ns = elapsed_ns(start);
    // The tap saw every trigger in order (the loop above waited for each): the sum of
    // `value + 1` over all of them.
    report("join", n, ns, "gross", triangle(n + 1), triangle(n + 1));
    let faults = FAULTS.load(Ordering::Relaxed);
    hprintln!("mcu-cost done {faults}");
    board_mps2::exit(if faults == 0 { 0 } else { 1 });
}

/// The join's second input: a writer that never writes.
async fn quiet_source(_producer: Producer<'static, u32>) {}

async fn join_tap(mut consumer: Consumer<'static, u64>) {
    while let Ok(v) = consumer.recv().await {
        JOIN_SEEN.store(v as u32, Ordering::Release);
    }
}

aimdb::topology! {
    node join: embassy;
    builder.configure::<u64>("mcu-cost/join/in", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 16 }).source(join_driver).finish();
    });
    builder.configure::<u32>("mcu-cost/join/other", |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(quiet_source).finish();
    });
    builder.configure::<u64>("mcu-cost/join/out", |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(join_tap)
            .transform_join(|b| {
                b.input::<u64>("mcu-cost/join/in")
                    .input::<u32>("mcu-cost/join/other")
                    .on_triggers(|mut rx, producer| async move {
                        while let Ok(trigger) = rx.recv().await {
                            if let Some(v) = trigger.as_input::<u64>() {
                                let _ = producer.produce(v + 1).await;
                            }
                        }
                    })
            })
            .finish();
    });
}

#[cortex_m_rt::entry]
fn main() -> ! {
    let Some(_board) = board_mps2::init() else {
        board_mps2::exit(10)
    };
    let Some(executor) = board_mps2::Executor::take() else {
        board_mps2::exit(11)
    };
    let cmdline = board_mps2::login::cmdline().unwrap_or("");
    let number = |key| board_mps2::login::word(cmdline, key).and_then(|n| n.parse::<u32>().ok());
    if let Some(n) = number("messages") {
        MESSAGES.store(n, Ordering::Relaxed);
    }
    // `turns=1` skips most of the calibration where only the cases matter (`--profile`).
    let turns = number("turns").unwrap_or(CALIBRATION_TURNS).max(1);
    hprintln!("mcu-cost calibration {turns} {}", calibrate(turns));
    let n = messages();
    // The measuring loop with no work: the overhead the script subtracts from `net` cases.
    let (ns, sum) = timed(n, |i| i);
    if sum != triangle(n) {
        FAULTS.fetch_add(1, Ordering::Relaxed);
    }
    hprintln!("mcu-cost loop {n} {ns}");

    hand_off("ring", &RING);
    ring_as_tasks();
    ring_by_four();
    hand_off("latest", &LATEST);
    hand_off("mailbox", &MAILBOX);
    postcard_encode();

    executor.run(|spawner| {
        join::spawn(spawner, join::Links {});
        pipeline::spawn(spawner, pipeline::Links {});
    })
}

/// Print the panic on UART0 and end QEMU with status 101.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    board_mps2::report_panic(info)
}
