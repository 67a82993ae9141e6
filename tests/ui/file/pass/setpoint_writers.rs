include!("../setpoint.rs");

// Two writer nodes of the setpoint system: an operator console (tokio) and the autotuner
// (embassy), each the one producer of its own request record.
aimdb::topology!(file = "$AIMDB_REPO/topologies/setpoint.toml", node = "console_a");
aimdb::topology!(file = "$AIMDB_REPO/topologies/setpoint.toml", node = "autotuner");

fn main() {
    assert_eq!(console_a::OPERATOR_A.capacity(), 8);
    assert_eq!(autotuner::ram::TOTAL, autotuner::ram::AUTOTUNER);
}
