include!("../climate_system.rs");
include!("../../topology/functions.rs");

// The three nodes of the shipped climate system, emitted from the one file. The browser
// node (`runtime = "wasm"`) is emitted as an embassy node, so its code also builds here.
aimdb::topology!(file = "$AIMDB_REPO/topologies/climate.toml", node = "sensor");
aimdb::topology!(file = "$AIMDB_REPO/topologies/climate.toml", node = "dashboard");
aimdb::topology!(file = "$AIMDB_REPO/topologies/climate.toml", node = "browser");

fn main() {
    use aimdb::mutex::{CriticalSectionRawMutex, StdRawMutex};
    // The sensor's ring: 256 values, one reader (the outbound link); its RAM constant is
    // the size of exactly that buffer.
    assert_eq!(sensor::READING.capacity(), 256);
    assert_eq!(
        sensor::ram::READING,
        core::mem::size_of::<aimdb::SpmcRing<CriticalSectionRawMutex, Temperature, 256, 1>>()
    );
    assert_eq!(sensor::ram::TOTAL, sensor::ram::READING);
    assert_eq!(
        dashboard::ram::READING,
        core::mem::size_of::<aimdb::SingleLatest<StdRawMutex, Temperature, 1>>()
    );
    // The browser's buffer: the same static, with the single-threaded runtime's mutex.
    assert_eq!(
        browser::ram::READING,
        core::mem::size_of::<aimdb::SingleLatest<CriticalSectionRawMutex, Temperature, 1>>()
    );
    assert_eq!(browser::NODE, "browser");
    assert_eq!(browser::LIVENESS, "aimdb/nodes/browser/online");
    assert_eq!(browser::OBSERVED_LIVENESS, ["aimdb/nodes/sensor/online"]);
    let _: fn(aimdb::__private::embassy_executor::Spawner, browser::Links) = browser::spawn;
    static BUS: aimdb::connectors::loopback::LoopbackBus<2> = aimdb::connectors::loopback::LoopbackBus::new();
    let _ = (
        sensor::Links { mqtt: &BUS },
        dashboard::Links { mqtt: &BUS },
        browser::Links { mqtt: &BUS },
    );
}
