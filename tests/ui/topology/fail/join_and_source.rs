include!("../setpoint.rs");

async fn apply_setpoint(_consumer: aimdb::Consumer<'static, SetpointApplied>) {}
async fn request(_producer: aimdb::Producer<'static, SetpointRequest>) {}
async fn manual(_producer: aimdb::Producer<'static, SetpointApplied>) {}

aimdb::topology! {
    node plant: tokio;
    builder.configure::<SetpointRequest>(SetpointKey::RequestOperatorA, |reg| {
        reg.buffer(BufferCfg::SingleLatest).source(request).finish();
    });
    builder.configure::<SetpointApplied>(SetpointKey::Applied, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(apply_setpoint)
            .transform_join(|b| {
                b.input::<SetpointRequest>(SetpointKey::RequestOperatorA)
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
            .source(manual)
            .finish();
    });
}

fn main() {}
