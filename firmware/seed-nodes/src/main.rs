//! The seed's two snippets, unchanged, compiled by `topology!` into two embassy nodes on a
//! Cortex-M4: the sensor owns `climate/zone-a/reading` (a ring, a source, an outbound
//! link), the dashboard observes it (a single-latest buffer, an inbound link, a tap). The
//! two links meet on an in-memory loopback bus standing in for the MQTT broker.
//!
//! Everything else is the hand-written part a firmware adds around generated nodes: the
//! record type and its codec, the source and tap bodies, and `main` (board set-up, then
//! each node's `spawn`). The tap prints each reading on UART0 as `reading <centi-celsius>`,
//! then the bus counters (`published <n> delivered <n>`), the generated RAM constants
//! (`ram sensor <bytes> dashboard <bytes>`), then `done <n>`, and ends QEMU with status 0.
#![no_std]
#![no_main]

use aimdb::connector::CodecError;
use aimdb::connectors::loopback::LoopbackBus;
use aimdb::{Consumer, Producer};
use board_mps2::{Handoff, Line, Uart0};
use core::sync::atomic::Ordering;
use embedded_io_async::Write;

/// How many readings the sensor produces, one every [`PACE_MS`].
const READINGS: u32 = 50;
const PACE_MS: u64 = 5;

/// The seed's keys.
#[derive(aimdb::RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
pub enum ClimateKey {
    /// The zone's temperature, produced by the sensor.
    #[key = "climate/zone-a/reading"]
    Reading,
}

/// The seed's record type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Temperature {
    /// Degrees Celsius.
    pub celsius: f32,
}

impl Temperature {
    /// Serializer: the value as four little-endian bytes.
    pub fn to_bytes(&self, out: &mut [u8]) -> Result<usize, CodecError> {
        out.get_mut(..4)
            .ok_or(CodecError::Oversize)?
            .copy_from_slice(&self.celsius.to_le_bytes());
        Ok(4)
    }

    /// Deserializer.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CodecError> {
        let bytes: [u8; 4] = bytes.try_into().map_err(|_| CodecError::Malformed)?;
        Ok(Temperature {
            celsius: f32::from_le_bytes(bytes),
        })
    }
}

/// The simulated sensor: 20.00 °C rising by 0.25 °C per reading (exact in `f32`).
fn sample(i: u32) -> f32 {
    20.0 + i as f32 * 0.25
}

async fn read_temperature_loop(producer: Producer<'static, Temperature>) {
    for i in 0..READINGS {
        let _ = producer.produce(Temperature { celsius: sample(i) }).await;
        embassy_time::Timer::after_millis(PACE_MS).await;
    }
}

/// UART0, from `main` to the tap.
static CONSOLE: Handoff<Uart0> = Handoff::new();

async fn render_chart(mut consumer: Consumer<'static, Temperature>) {
    let Some(mut uart) = CONSOLE.take() else {
        board_mps2::exit(20)
    };
    let mut line = Line::new();
    let mut seen = 0;
    while let Ok(reading) = consumer.recv().await {
        let centi = (reading.celsius * 100.0) as i32;
        send(&mut uart, line.format(format_args!("reading {centi}\n"))).await;
        seen += 1;
        if reading.celsius == sample(READINGS - 1) {
            break;
        }
    }
    let counters = BUS.counters();
    let published = counters.published.load(Ordering::Relaxed);
    let delivered = counters.delivered.load(Ordering::Relaxed);
    let report = format_args!("published {published} delivered {delivered}\n");
    send(&mut uart, line.format(report)).await;
    // What the compiler says the record buffers take, to set against the image's RAM.
    let (sensor_ram, dashboard_ram) = (sensor::ram::TOTAL, dashboard::ram::TOTAL);
    let report = format_args!("ram sensor {sensor_ram} dashboard {dashboard_ram}\ndone {seen}\n");
    send(&mut uart, line.format(report)).await;
    board_mps2::exit(0);
}

async fn send(uart: &mut Uart0, bytes: &[u8]) {
    if uart.write_all(bytes).await.is_err() || uart.flush().await.is_err() {
        board_mps2::exit(3);
    }
}

aimdb::topology! {
    node sensor: embassy;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SpmcRing { capacity: 256 })
            .source(read_temperature_loop)
            .link_to("mqtt://climate/zone-a/reading") // I produce this
            .with_serializer_raw(Temperature::to_bytes)
            .finish();
    });
}

aimdb::topology! {
    node dashboard: embassy;
    builder.configure::<Temperature>(ClimateKey::Reading, |reg| {
        reg.buffer(BufferCfg::SingleLatest)
            .tap(render_chart)
            .link_from("mqtt://climate/zone-a/reading") // I observe what's produced elsewhere
            .with_deserializer_raw(Temperature::from_bytes)
            .finish();
    });
}

/// Where the two nodes' `mqtt://` links meet.
static BUS: LoopbackBus = LoopbackBus::new();

#[cortex_m_rt::entry]
fn main() -> ! {
    let Some(board) = board_mps2::init() else {
        board_mps2::exit(10)
    };
    let Some(executor) = board_mps2::Executor::take() else {
        board_mps2::exit(11)
    };
    CONSOLE.put(board.uart);
    executor.run(|spawner| {
        // The dashboard first: its inbound route is attached before the first reading.
        dashboard::spawn(spawner, dashboard::Links { mqtt: &BUS });
        sensor::spawn(spawner, sensor::Links { mqtt: &BUS });
    })
}

/// Print the panic on UART0 and end QEMU with status 101.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    board_mps2::report_panic(info)
}
