//! Transforms at run time on tokio: `.map` returning a value and an `Option`, the stateful
//! `.on_input`, and a join whose ring input lags: the loss is reported on the next trigger
//! (`trigger.lagged()`) and the handler's `while let Ok(..)` loop keeps running.

use std::sync::Mutex;
use std::time::Duration;

use aimdb::{Consumer, Producer};
use aimdb_tests::wait_for;

/// How long a test waits for the node before it fails.
const WAIT: Duration = Duration::from_secs(5);

/// Values the source produces, in one burst (no await in between).
const BURST: u32 = 10;

static DOUBLED: Mutex<Vec<u32>> = Mutex::new(Vec::new());
static EVEN: Mutex<Vec<u32>> = Mutex::new(Vec::new());
static SUMS: Mutex<Vec<u32>> = Mutex::new(Vec::new());
/// One trigger as the join's handler saw it: (index, key, lagged, value).
type Seen = (usize, &'static str, Option<u64>, u32);
static TRIGGERS: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

async fn burst(producer: Producer<'static, u32>) {
    for v in 1..=BURST {
        let _ = producer.produce(v).await;
    }
}

async fn one_event(producer: Producer<'static, u32>) {
    let _ = producer.produce(1000).await;
}

fn double(v: &u32) -> u32 {
    v * 2
}

fn only_even(v: &u32) -> Option<u32> {
    v.is_multiple_of(2).then_some(*v)
}

async fn running_sum(mut rx: Consumer<'static, u32>, producer: Producer<'static, u32>) {
    let mut sum = 0;
    while let Ok(v) = rx.recv().await {
        sum += v;
        let _ = producer.produce(sum).await;
    }
}

async fn collect_doubled(mut c: Consumer<'static, u32>) {
    while let Ok(v) = c.recv().await {
        DOUBLED.lock().unwrap().push(v);
    }
}

async fn collect_even(mut c: Consumer<'static, u32>) {
    while let Ok(v) = c.recv().await {
        EVEN.lock().unwrap().push(v);
    }
}

async fn collect_sums(mut c: Consumer<'static, u32>) {
    while let Ok(v) = c.recv().await {
        SUMS.lock().unwrap().push(v);
    }
}

aimdb::topology! {
    node pipeline: tokio;
    builder.configure::<u32>("numbers", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 16 }).source(burst).finish();
    });
    builder.configure::<u32>("few-numbers", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 4 }).source(burst).finish();
    });
    builder.configure::<u32>("events", |reg| {
        reg.buffer(BufferCfg::Mailbox).source(one_event).finish();
    });
    builder.configure::<u32>("doubled", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 16 })
            .transform("numbers", |b| b.map(double))
            .tap(collect_doubled)
            .finish();
    });
    builder.configure::<u32>("even", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 16 })
            .transform("numbers", |b| b.map(only_even))
            .tap(collect_even)
            .finish();
    });
    builder.configure::<u32>("sums", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 16 })
            .transform("numbers", |b| b.on_input(running_sum))
            .tap(collect_sums)
            .finish();
    });
    builder.configure::<u32>("joined", |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .transform_join(|b| {
                b.input::<u32>("few-numbers")
                    .input::<u32>("events")
                    .on_triggers(|mut rx, producer| async move {
                        while let Ok(trigger) = rx.recv().await {
                            let seen = (
                                trigger.index(),
                                trigger.key().as_str(),
                                trigger.lagged(),
                                *trigger.as_input::<u32>().unwrap(),
                            );
                            TRIGGERS.lock().unwrap().push(seen);
                            let _ = producer.produce(seen.3).await;
                        }
                    })
            })
            .finish();
    });
}

#[test]
fn transforms_and_a_lagging_join_input() {
    // One thread: the sources' bursts finish before any transform runs, so the join's
    // ring input of capacity 4 has lost 6 of its 10 values by the time it reads.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    std::thread::spawn(move || runtime.block_on(pipeline::run(pipeline::Links {})));
    wait_for("the transforms", WAIT, || {
        SUMS.lock().unwrap().len() == BURST as usize && TRIGGERS.lock().unwrap().len() == 5
    });
    std::thread::sleep(Duration::from_millis(20));
    let numbers: Vec<u32> = (1..=BURST).collect();
    assert_eq!(
        *DOUBLED.lock().unwrap(),
        numbers.iter().map(|v| v * 2).collect::<Vec<_>>()
    );
    assert_eq!(*EVEN.lock().unwrap(), [2, 4, 6, 8, 10]);
    assert_eq!(*SUMS.lock().unwrap(), [1, 3, 6, 10, 15, 21, 28, 36, 45, 55]);
    // Round-robin: the ring input and the mailbox take turns; the ring's loss is reported
    // once, on its first trigger, and the loop went on.
    assert_eq!(
        *TRIGGERS.lock().unwrap(),
        [
            (0, "few-numbers", Some(6), 7),
            (1, "events", None, 1000),
            (0, "few-numbers", None, 8),
            (0, "few-numbers", None, 9),
            (0, "few-numbers", None, 10),
        ]
    );
    // "numbers" is read by three transforms: three reader slots, all taken.
    assert_eq!(pipeline::NUMBERS.readers(), 3);
}
