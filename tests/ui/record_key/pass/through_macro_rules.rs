//! Key enums declared by a `macro_rules!` macro: keys arrive as `$key:literal` fragments.

use aimdb::RecordKey;

macro_rules! keys {
    ($name:ident { $($variant:ident = $key:literal),* $(,)? }) => {
        #[derive(RecordKey, Clone, Copy, PartialEq, Eq, Debug)]
        #[key_prefix = "zone-a/"]
        enum $name {
            $(#[key = $key] $variant,)*
        }
    };
}

keys!(ZoneKey {
    Reading = "reading",
    Setpoint = "setpoint",
});

fn main() {
    assert_eq!(ZoneKey::Reading.as_str(), "zone-a/reading");
    assert_eq!(ZoneKey::KEYS, ["zone-a/reading", "zone-a/setpoint"]);
    assert_eq!(ZoneKey::Setpoint.link_address(), None);
}
