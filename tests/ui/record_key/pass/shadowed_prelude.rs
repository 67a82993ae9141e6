//! The generated code names everything by absolute path, so local items that shadow the
//! prelude (`Option`, `Some`, `None`, a module called `core`) do not break it.
#![allow(dead_code)]

use aimdb::RecordKey;

enum Option {
    Nothing,
}
struct Some;
struct None;
mod core {}
mod aimdb_core {}
trait RecordKeyLookalike {}

#[derive(RecordKey, Clone, Copy)]
enum Key {
    #[key = "a"]
    #[link_address = "mqtt://a"]
    A,
    #[key = "b"]
    B,
}

fn main() {
    assert_eq!(
        Key::A.link_address(),
        ::core::option::Option::Some("mqtt://a")
    );
    assert_eq!(Key::B.link_address(), ::core::option::Option::None);
}
