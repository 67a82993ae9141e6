// Every transform form on both runtimes: `.map` returning the value or an `Option`, the
// stateful `.on_input`, and a join over inputs of two types that tells inputs apart by
// index, key and the generated enum, and reads the lag.

include!("../climate.rs");
include!("../functions.rs");

use aimdb::{Consumer, Producer};

fn to_fahrenheit(reading: &Temperature) -> Temperature {
    Temperature { celsius: reading.celsius * 1.8 + 32.0 }
}

fn only_warm(reading: &Temperature) -> Option<Temperature> {
    (reading.celsius > 20.0).then_some(*reading)
}

async fn read_humidity(_producer: Producer<'static, Humidity>) {}

/// Stateful: a running mean of the readings.
async fn mean(mut rx: Consumer<'static, Temperature>, producer: Producer<'static, Temperature>) {
    let (mut sum, mut n) = (0.0, 0.0);
    while let Ok(reading) = rx.recv().await {
        sum += reading.celsius;
        n += 1.0;
        let _ = producer.produce(Temperature { celsius: sum / n }).await;
    }
}

macro_rules! node {
    ($name:ident, $runtime:ident) => {
        aimdb::topology! {
            node $name: $runtime;
            builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
                reg.buffer(BufferCfg::SpmcRing { capacity: 8 }).source(read_temperature_loop).finish();
            });
            builder.configure::<Humidity>(ClimateKey::Humidity, |reg| {
                reg.buffer(BufferCfg::Mailbox).source(read_humidity).finish();
            });
            builder.configure::<Temperature>("fahrenheit", |reg| {
                reg.buffer(BufferCfg::SingleLatest)
                    .transform(ClimateKey::Reading, |b| b.map(to_fahrenheit))
                    .tap(render_chart)
                    .finish();
            });
            builder.configure::<Temperature>("warm", |reg| {
                reg.buffer(BufferCfg::SingleLatest).transform("fahrenheit", |b| b.map(only_warm)).finish();
            });
            builder.configure::<Temperature>("mean", |reg| {
                reg.buffer(BufferCfg::SingleLatest).transform(ClimateKey::Reading, |b| b.on_input(mean)).finish();
            });
            builder.configure::<Temperature>("comfort", |reg| {
                reg.buffer(BufferCfg::SingleLatest)
                    .transform_join(|b| {
                        b.input::<Temperature>(ClimateKey::Reading)
                            .input::<Humidity>(ClimateKey::Humidity)
                            .on_triggers(|mut rx, producer| async move {
                                let mut last = Temperature { celsius: 0.0 };
                                while let Ok(trigger) = rx.recv().await {
                                    if let Some(missed) = trigger.lagged() {
                                        let _ = missed;
                                    }
                                    let _ = (trigger.index(), trigger.key().as_str());
                                    match trigger.input() {
                                        ComfortInput::Reading(t) => last = *t,
                                        ComfortInput::Humidity(h) => {
                                            let _ = producer
                                                .produce(Temperature { celsius: last.celsius - h.percent / 10.0 })
                                                .await;
                                        }
                                    }
                                    if let Some(h) = trigger.into_input::<Humidity>() {
                                        let _ = h;
                                    }
                                }
                            })
                    })
                    .finish();
            });
        }
    };
}

node!(host, tokio);
node!(firmware, embassy);

fn main() {
    // The reading is read by the `.map`, the `.on_input` and the join: three reader slots.
    assert_eq!(host::READING.readers(), 0);
    let _ = host::run(host::Links {});
    let _: fn(aimdb::__private::embassy_executor::Spawner, firmware::Links) = firmware::spawn;
    let _: Option<host::ComfortRx> = None;
}
