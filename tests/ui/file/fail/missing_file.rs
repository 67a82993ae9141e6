aimdb::topology!(file = "topologies/no-such-system.toml", node = "sensor");

fn main() {}
