use aimdb::RecordKey;

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
enum SetpointKey {
    #[key = "request/operator-a"]
    RequestOperatorA,
    RequestOperatorB,
    /// A doc comment is not a key.
    Applied,
}

fn main() {}
