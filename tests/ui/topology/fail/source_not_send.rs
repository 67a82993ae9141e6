include!("../climate.rs");
include!("../functions.rs");

aimdb::topology! {
    node sensor: tokio;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .source(read_with_rc)
            .finish();
    });
}

fn main() {}

async fn read_with_rc(producer: aimdb::Producer<'static, Temperature>) {
    let shared = std::rc::Rc::new(Temperature { celsius: 1.0 });
    std::future::ready(()).await;
    producer.produce(*shared);
}
