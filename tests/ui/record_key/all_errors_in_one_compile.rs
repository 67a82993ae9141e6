use aimdb::RecordKey;

// Every mistake below is reported in the same compile.
#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
#[key_prefix = "plant/"]
enum SetpointKey {
    #[key = "request/operator-a"]
    RequestOperatorA,
    #[key = "request/operator a"]
    RequestOperatorB,
    RequestAutotuner,
    #[key = "request/operator-a"]
    Applied(u32),
}

fn main() {
    // The impl is still emitted, so uses of the key add no errors of their own.
    let _ = SetpointKey::RequestOperatorA.as_str();
    let _ = SetpointKey::KEYS;
}
