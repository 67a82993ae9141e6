//! The seed's "many writers, one arbiter" snippet, unchanged, on the embassy executor
//! (`platform-std`; a separate binary from the tokio run, since the registry is per process): operator A, operator
//! B and the autotuner each own a request record (a ring, a mailbox and a single-latest
//! buffer), a `transform_join` arbitrates them into `Applied`, and the tap on `Applied` sees
//! exactly the setpoints the rule gives for the scripted order.

use aimdb::{Consumer, Producer};

include!("../ui/topology/setpoint.rs");
include!("arbiter/script.rs");

async fn apply_setpoint(mut consumer: Consumer<'static, SetpointApplied>) {
    while let Ok(applied) = consumer.recv().await {
        SEEN.lock().unwrap().push(applied);
    }
}

async fn pause() {
    embassy_time::Timer::after_millis(1).await;
}

async fn operator_a(producer: Producer<'static, SetpointRequest>) {
    play(Origin::OperatorA, producer, pause).await;
}

async fn operator_b(producer: Producer<'static, SetpointRequest>) {
    play(Origin::OperatorB, producer, pause).await;
}

async fn autotuner(producer: Producer<'static, SetpointRequest>) {
    play(Origin::Autotuner, producer, pause).await;
}

aimdb::topology! {
    node plant: embassy;

    builder.configure::<SetpointRequest>(SetpointKey::RequestOperatorA, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 4 }).source(operator_a).finish();
    });
    builder.configure::<SetpointRequest>(SetpointKey::RequestOperatorB, |reg| {
        reg.buffer(BufferCfg::Mailbox).source(operator_b).finish();
    });
    builder.configure::<SetpointRequest>(SetpointKey::RequestAutotuner, |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(autotuner).finish();
    });

    // One arbiter consumes all of them and emits a single applied record.
    builder.configure::<SetpointApplied>(SetpointKey::Applied, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(apply_setpoint)
            .transform_join(|b| {
                b.input::<SetpointRequest>(SetpointKey::RequestOperatorA)
                    .input::<SetpointRequest>(SetpointKey::RequestOperatorB)
                    .input::<SetpointRequest>(SetpointKey::RequestAutotuner)
                    .on_triggers(|mut rx, producer| async move {
                        while let Ok(trigger) = rx.recv().await {
                            if let Some(req) = trigger.as_input::<SetpointRequest>() {
                                if let Some(applied) = arbitrate(req) {
                                    let _ = producer.produce(applied).await;
                                }
                            }
                        }
                    })
            })
            .finish();
    });
}

#[test]
fn applied_holds_exactly_what_the_rule_gives_for_the_scripted_order() {
    // The executor never returns; it runs on a thread the process ends with.
    std::thread::spawn(|| {
        let executor: &'static mut embassy_executor::Executor =
            Box::leak(Box::new(embassy_executor::Executor::new()));
        executor.run(|spawner| plant::spawn(spawner, plant::Links {}))
    });
    let seen = seen_after_script();
    assert_eq!(seen, EXPECTED);
    // The join's inputs are readers of the request records: one slot each.
    assert_eq!(plant::REQUEST_OPERATOR_A.readers(), 1);
    assert_eq!(SetpointKey::Applied.as_str(), "applied");
}
