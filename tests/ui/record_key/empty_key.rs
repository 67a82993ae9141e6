use aimdb::RecordKey;

#[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
enum SetpointKey {
    #[key = "applied"]
    Applied,
    #[key = ""]
    RequestOperatorA,
}

fn main() {}
