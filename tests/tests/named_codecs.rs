//! Named codecs end to end: two nodes linked through a connector with
//! `.with_codec(aimdb::codec::Postcard)`, `Json` and `Cdr` at both ends; the observer's tap gets
//! exactly the values the owner produced, for a serde type with no hand-written codec.

use std::sync::Mutex;
use std::time::Duration;

use aimdb::connectors::loopback::LoopbackBus;
use aimdb::{Consumer, Producer};
use aimdb_tests::wait_for;
use serde::{Deserialize, Serialize};

const WAIT: Duration = Duration::from_secs(5);

/// A cold-chain reading: the kind of type a user wrote byte codecs for by hand. `Schema`
/// gives it the contract fingerprint its named-codec links carry.
#[derive(Serialize, Deserialize, aimdb::contract::Schema, Clone, Copy, Debug, PartialEq)]
#[postcard(crate = aimdb::contract::postcard_schema)]
pub struct Freezer {
    seq: u32,
    celsius: f32,
    door_open: bool,
}

fn reading(seq: u32) -> Freezer {
    Freezer {
        seq,
        celsius: -18.0 - seq as f32 / 8.0,
        door_open: seq.is_multiple_of(5),
    }
}

async fn produce(producer: Producer<'static, Freezer>) {
    // Wait for the observer's routes, then produce a burst the ring holds whole.
    tokio::time::sleep(Duration::from_millis(100)).await;
    for seq in 0..20 {
        let _ = producer.produce(reading(seq));
    }
}

static VIA_POSTCARD: Mutex<Vec<Freezer>> = Mutex::new(Vec::new());
static VIA_JSON: Mutex<Vec<Freezer>> = Mutex::new(Vec::new());
static VIA_CDR: Mutex<Vec<Freezer>> = Mutex::new(Vec::new());

async fn tap_postcard(mut consumer: Consumer<'static, Freezer>) {
    while let Ok(v) = consumer.recv().await {
        VIA_POSTCARD.lock().unwrap().push(v);
    }
}

async fn tap_json(mut consumer: Consumer<'static, Freezer>) {
    while let Ok(v) = consumer.recv().await {
        VIA_JSON.lock().unwrap().push(v);
    }
}

async fn tap_cdr(mut consumer: Consumer<'static, Freezer>) {
    while let Ok(v) = consumer.recv().await {
        VIA_CDR.lock().unwrap().push(v);
    }
}

aimdb::topology! {
    node freezer: tokio;
    builder.configure::<Freezer>("warehouse/freezer/temp", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 32 })
            .source(produce)
            .link_to("loopback://warehouse/freezer/temp")
            .with_codec(aimdb::codec::Postcard)
            .link_to("loopback://warehouse/freezer/temp-json")
            .with_codec(aimdb::codec::Json)
            .link_to("loopback://warehouse/freezer/temp-cdr")
            .with_codec(aimdb::codec::Cdr)
            .finish();
    });
}

aimdb::topology! {
    node office: tokio;
    builder.configure::<Freezer>("warehouse/freezer/postcard", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 32 })
            .tap(tap_postcard)
            .link_from("loopback://warehouse/freezer/temp")
            .with_codec(aimdb::codec::Postcard)
            .finish();
    });
    builder.configure::<Freezer>("warehouse/freezer/json", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 32 })
            .tap(tap_json)
            .link_from("loopback://warehouse/freezer/temp-json")
            .with_codec(aimdb::codec::Json)
            .finish();
    });
    builder.configure::<Freezer>("warehouse/freezer/cdr", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 32 })
            .tap(tap_cdr)
            .link_from("loopback://warehouse/freezer/temp-cdr")
            .with_codec(aimdb::codec::Cdr)
            .finish();
    });
}

static BUS: LoopbackBus = LoopbackBus::new();

#[test]
fn postcard_json_and_cdr_links_carry_a_serde_type_exactly() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.spawn(office::run(office::Links { loopback: &BUS }));
    runtime.spawn(freezer::run(freezer::Links { loopback: &BUS }));
    wait_for("20 values over each codec", WAIT, || {
        VIA_POSTCARD.lock().unwrap().len() == 20
            && VIA_JSON.lock().unwrap().len() == 20
            && VIA_CDR.lock().unwrap().len() == 20
    });
    let expected: Vec<Freezer> = (0..20).map(reading).collect();
    assert_eq!(*VIA_POSTCARD.lock().unwrap(), expected);
    assert_eq!(*VIA_JSON.lock().unwrap(), expected);
    assert_eq!(*VIA_CDR.lock().unwrap(), expected);
    runtime.shutdown_background();
}
