//! A record written by code outside the node's tasks (here the test's own thread, as a
//! `main` loop or an interrupt handler would): declared `.source_handle()`, its one
//! `Producer` taken once at run time; everyone else reads it through the record's view.

use std::sync::Mutex;
use std::time::Duration;

use aimdb::Consumer;
use aimdb_tests::wait_for;

const WAIT: Duration = Duration::from_secs(5);

static TAPPED: Mutex<Vec<u32>> = Mutex::new(Vec::new());

async fn collect(mut consumer: Consumer<'static, u32>) {
    loop {
        match consumer.recv().await {
            Ok(v) => TAPPED.lock().unwrap().push(v),
            // A ring reader that fell behind hears it once, then reads on.
            Err(_) => continue,
        }
    }
}

aimdb::topology! {
    node panel: tokio;
    builder.configure::<u32>("panel/button-presses", |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 16 })
            .source_handle()
            .tap(collect)
            .finish();
    });
}

#[test]
fn the_source_handle_gives_out_one_producer_and_outside_code_reads_through_the_view() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    std::thread::spawn(move || runtime.block_on(panel::run(panel::Links {})));
    wait_for("the tap to subscribe", WAIT, || {
        panel::BUTTON_PRESSES.readers() == 1
    });

    let producer = panel::BUTTON_PRESSES_SOURCE.take();
    for v in 1..=5 {
        let _ = producer.produce(v);
    }
    wait_for("the tap", WAIT, || TAPPED.lock().unwrap().len() == 5);
    assert_eq!(*TAPPED.lock().unwrap(), [1, 2, 3, 4, 5]);
    // Outside code reads through the view: the newest value and the figures.
    assert_eq!(panel::BUTTON_PRESSES.latest(), Some(5));
    assert_eq!(panel::BUTTON_PRESSES.produced(), 5);
    assert_eq!(panel::BUTTON_PRESSES.capacity(), 16);

    // The handle is given out once: a second writer cannot appear at run time either.
    assert!(panel::BUTTON_PRESSES_SOURCE.try_take().is_none());
    let second = std::panic::catch_unwind(|| panel::BUTTON_PRESSES_SOURCE.take()).unwrap_err();
    let message = second.downcast_ref::<String>().expect("a formatted panic");
    assert_eq!(
        message,
        "the producer of record `\"panel/button-presses\"` (node `panel`, declared `.source_handle()`) was already taken: a record has exactly one producer, so take it once and pass that handle (it is Copy) where it is needed"
    );
}
