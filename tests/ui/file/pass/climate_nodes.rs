include!("../climate_system.rs");
include!("../../topology/functions.rs");

// Both nodes of the shipped climate system, emitted from the one file.
aimdb::topology!(file = "$AIMDB_REPO/topologies/climate.toml", node = "sensor");
aimdb::topology!(file = "$AIMDB_REPO/topologies/climate.toml", node = "dashboard");

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
        core::mem::size_of::<aimdb::SingleLatest<StdRawMutex, Temperature, 2>>()
    );
    static BUS: aimdb::connectors::loopback::LoopbackBus<2> = aimdb::connectors::loopback::LoopbackBus::new();
    let _ = (sensor::Links { mqtt: &BUS }, dashboard::Links { mqtt: &BUS, ws: &BUS });
}
