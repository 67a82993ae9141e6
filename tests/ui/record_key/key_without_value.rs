use aimdb::RecordKey;

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
enum SetpointKey {
    #[key]
    RequestOperatorA,
    #[key("request/operator-b")]
    RequestOperatorB,
    #[key = "applied"]
    #[link_address]
    Applied,
}

fn main() {}
