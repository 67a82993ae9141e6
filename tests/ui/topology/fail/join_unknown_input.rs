include!("../setpoint.rs");

async fn apply_setpoint(_consumer: aimdb::Consumer<'static, SetpointApplied>) {}
async fn request(_producer: aimdb::Producer<'static, SetpointRequest>) {}

aimdb::topology! {
    node plant: tokio;
    builder.configure::<SetpointRequest>(SetpointKey::RequestOperatorA, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 4 }).source(request).finish();
    });
    builder.configure::<SetpointRequest>(SetpointKey::RequestOperatorB, |reg| {
        reg.buffer(BufferCfg::Mailbox).source(request).finish();
    });
    builder.configure::<SetpointApplied>(SetpointKey::Applied, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(apply_setpoint)
            .transform_join(|b| {
                b.input::<SetpointRequest>(SetpointKey::RequestOperatorA)
                    .input::<SetpointRequest>(SetpointKey::RequestOperatorC)
                    
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

fn main() {}
