// Two cycles: three records feeding each other through transforms, and one that reads
// itself.

fn step(value: &u32) -> u32 {
    value + 1
}

aimdb::topology! {
    node loops: tokio;
    builder.configure::<u32>("a", |reg| {
        reg.buffer(BufferCfg::SingleLatest).transform("c", |b| b.map(step)).finish();
    });
    builder.configure::<u32>("b", |reg| {
        reg.buffer(BufferCfg::SingleLatest).transform("a", |b| b.map(step)).finish();
    });
    builder.configure::<u32>("c", |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .transform_join(|j| {
                j.input::<u32>("b").on_triggers(|mut rx, producer| async move {
                    while let Ok(trigger) = rx.recv().await {
                        if let Some(v) = trigger.as_input::<u32>() {
                            let _ = producer.produce(*v).await;
                        }
                    }
                })
            })
            .finish();
    });
    builder.configure::<u32>("echo", |reg| {
        reg.buffer(BufferCfg::SingleLatest).transform("echo", |b| b.map(step)).finish();
    });
}

fn main() {}
