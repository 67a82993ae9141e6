//! Two separately declared topologies that both produce one key: each compiles (neither can
//! see the other), and the second to start panics in the run-time registry before any of
//! its tasks runs, naming the key, both nodes and where each was declared.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, Ordering};

use aimdb::Producer;

include!("../ui/topology/climate.rs");

/// How many times any source ran.
static SOURCE_RUNS: AtomicU32 = AtomicU32::new(0);

async fn read_temperature_loop(producer: Producer<'static, Temperature>) {
    SOURCE_RUNS.fetch_add(1, Ordering::SeqCst);
    producer.produce(Temperature { celsius: 21.5 });
}

async fn read_backup_probe(producer: Producer<'static, Temperature>) {
    SOURCE_RUNS.fetch_add(1, Ordering::SeqCst);
    producer.produce(Temperature { celsius: 19.0 });
}

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(read_temperature_loop).finish();
    });
}

aimdb::topology! {
    node backup: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(read_backup_probe).finish();
    });
}

#[test]
fn a_second_topology_producing_the_same_key_panics_at_start() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(sensor::run(sensor::Links {}));
    assert_eq!(SOURCE_RUNS.load(Ordering::SeqCst), 1);

    let panic = catch_unwind(AssertUnwindSafe(|| {
        runtime.block_on(backup::run(backup::Links {}))
    }))
    .expect_err("the second producer of ClimateKey::Reading must panic");
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .expect("a formatted panic message");
    assert!(
        message.starts_with(
            "aimdb: record \"climate/zone-a/reading\" has two producers: .source() and .source()"
        ),
        "{message}"
    );
    let file = file!();
    assert!(
        message.contains(&format!(
            "first:  .source(read_temperature_loop) in node `sensor` at {file}:27:38"
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "second: .source(read_backup_probe) in node `backup` at {file}:34:38"
        )),
        "{message}"
    );
    // The panic came before any task of `backup` ran.
    assert_eq!(SOURCE_RUNS.load(Ordering::SeqCst), 1);
}
