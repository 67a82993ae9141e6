use aimdb::RecordKey;

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
enum SetpointKey {
    #[key = "request/operator-a"]
    RequestOperatorA,
    #[key = "request/operator-a"]
    RequestOperatorB,
    #[key = "applied"]
    Applied,
}

fn main() {}
