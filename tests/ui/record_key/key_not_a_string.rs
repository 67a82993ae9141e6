use aimdb::RecordKey;

const APPLIED: &str = "applied";

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
#[key_prefix = 7]
enum SetpointKey {
    #[key = 42]
    RequestOperatorA,
    #[key = b"request/operator-b"]
    RequestOperatorB,
    #[key = APPLIED]
    Applied,
    #[key = "fine"]
    #[link_address = true]
    Fine,
    #[key = concat!("from/", "a-macro")]
    FromMacro,
}

fn main() {}
