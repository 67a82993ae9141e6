//! The run-time ownership registry: each conflicting pair panics at start-up with the exact
//! message; a clean registry validates; registering a set twice is a no-op.
//!
//! Every test has its own `static` registry and `static` claim sets (a claim set belongs to
//! one registry), declared the way a generated node declares them.

use std::panic::{AssertUnwindSafe, catch_unwind};

use aimdb::__private::aimdb_core::registry::{Claim, ClaimSet, Location, Registry, Role};

#[derive(Debug, PartialEq)]
struct Temperature;
#[derive(Debug, PartialEq)]
struct Humidity;

const KEY: &str = "climate/zone-a/reading";

const fn at(file: &'static str, line: u32, column: u32) -> Location {
    Location { file, line, column }
}

const fn source(node: &'static str, function: &'static str, location: Location) -> Claim {
    Claim::new::<Temperature>(
        &KEY,
        "Temperature",
        Role::Source { function },
        node,
        location,
    )
}

const fn link_from(node: &'static str, url: &'static str, location: Location) -> Claim {
    Claim::new::<Temperature>(&KEY, "Temperature", Role::LinkFrom { url }, node, location)
}

/// The message `validate` panics with, or `None` if it did not panic.
fn validate_message(registry: &Registry) -> Option<String> {
    let payload = catch_unwind(AssertUnwindSafe(|| registry.validate())).err()?;
    Some(
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .expect("a string panic message"),
    )
}

#[test]
fn two_sources_panic_naming_both() {
    static REGISTRY: Registry = Registry::new();
    static SENSOR: ClaimSet = ClaimSet::new(&[source(
        "sensor",
        "read_temperature_loop",
        at("src/sensor.rs", 12, 9),
    )]);
    static BACKUP: ClaimSet = ClaimSet::new(&[source(
        "backup",
        "read_backup_probe",
        at("src/backup.rs", 30, 13),
    )]);
    REGISTRY.register(&SENSOR);
    REGISTRY.register(&BACKUP);
    assert_eq!(
        validate_message(&REGISTRY).as_deref(),
        Some(
            "aimdb: record \"climate/zone-a/reading\" has two producers: .source() and .source()
  first:  .source(read_temperature_loop) in node `sensor` at src/sensor.rs:12:9
  second: .source(read_backup_probe) in node `backup` at src/backup.rs:30:13
  = note: every key has exactly one authoritative producer; everyone else is a subscriber
  = help: keep one .source(); give every other writer a record of its own and join them in an arbiter (.transform_join())"
        )
    );
}

#[test]
fn source_and_link_from_on_one_node_panic() {
    static REGISTRY: Registry = Registry::new();
    static NODE: ClaimSet = ClaimSet::new(&[
        source(
            "sensor",
            "read_temperature_loop",
            at("src/sensor.rs", 12, 9),
        ),
        link_from(
            "sensor",
            "mqtt://climate/zone-a/reading",
            at("src/sensor.rs", 14, 9),
        ),
    ]);
    REGISTRY.register(&NODE);
    assert_eq!(
        validate_message(&REGISTRY).as_deref(),
        Some(
            "aimdb: record \"climate/zone-a/reading\" has two producers: .source() and .link_from()
  first:  .source(read_temperature_loop) in node `sensor` at src/sensor.rs:12:9
  second: .link_from(\"mqtt://climate/zone-a/reading\") in node `sensor` at src/sensor.rs:14:9
  = note: every key has exactly one authoritative producer; everyone else is a subscriber
  = help: .source() says this node produces the record, .link_from() that another node does: the owner keeps .source() (and .link_to() to publish it), an observer keeps .link_from() alone"
        )
    );
}

#[test]
fn two_link_froms_panic() {
    static REGISTRY: Registry = Registry::new();
    // Two links bringing one key into one node: which copy is the node's value?
    static DASHBOARD: ClaimSet = ClaimSet::new(&[
        link_from(
            "dashboard",
            "mqtt://climate/zone-a/reading",
            at("src/dashboard.rs", 8, 9),
        ),
        link_from(
            "dashboard",
            "serial://climate/zone-a/reading",
            at("src/dashboard.rs", 21, 5),
        ),
    ]);
    REGISTRY.register(&DASHBOARD);
    assert_eq!(
        validate_message(&REGISTRY).as_deref(),
        Some(
            "aimdb: record \"climate/zone-a/reading\" has two producers: .link_from() and .link_from()
  first:  .link_from(\"mqtt://climate/zone-a/reading\") in node `dashboard` at src/dashboard.rs:8:9
  second: .link_from(\"serial://climate/zone-a/reading\") in node `dashboard` at src/dashboard.rs:21:5
  = note: every key has exactly one authoritative producer; everyone else is a subscriber
  = help: bring the record in once: keep one .link_from() for this key and let other readers .tap() it"
        )
    );
}

#[test]
fn transform_and_source_panic() {
    static REGISTRY: Registry = Registry::new();
    static ARBITER: ClaimSet = ClaimSet::new(&[Claim::new::<Temperature>(
        &KEY,
        "Temperature",
        Role::Transform,
        "arbiter",
        at("src/arbiter.rs", 40, 17),
    )]);
    static SENSOR: ClaimSet = ClaimSet::new(&[source(
        "sensor",
        "read_temperature_loop",
        at("src/sensor.rs", 12, 9),
    )]);
    REGISTRY.register(&ARBITER);
    REGISTRY.register(&SENSOR);
    assert_eq!(
        validate_message(&REGISTRY).as_deref(),
        Some(
            "aimdb: record \"climate/zone-a/reading\" has two producers: .transform() and .source()
  first:  .transform() in node `arbiter` at src/arbiter.rs:40:17
  second: .source(read_temperature_loop) in node `sensor` at src/sensor.rs:12:9
  = note: every key has exactly one authoritative producer; everyone else is a subscriber
  = help: a transform owns its output record: give the transform's output a key of its own, or remove the other producer"
        )
    );
}

#[test]
fn one_key_with_two_value_types_panics() {
    static REGISTRY: Registry = Registry::new();
    static SENSOR: ClaimSet = ClaimSet::new(&[source(
        "sensor",
        "read_temperature_loop",
        at("src/sensor.rs", 12, 9),
    )]);
    // A reader only: the conflict is the type, not the number of producers.
    static DASHBOARD: ClaimSet = ClaimSet::new(&[Claim::new::<Humidity>(
        &KEY,
        "Humidity",
        Role::Reader,
        "dashboard",
        at("src/dashboard.rs", 5, 22),
    )]);
    REGISTRY.register(&SENSOR);
    REGISTRY.register(&DASHBOARD);
    assert_eq!(
        validate_message(&REGISTRY).as_deref(),
        Some(
            "aimdb: record \"climate/zone-a/reading\" is declared with two value types: `Temperature` and `Humidity`
  first:  `Temperature` by .source(read_temperature_loop) in node `sensor` at src/sensor.rs:12:9
  second: `Humidity` by a reader in node `dashboard` at src/dashboard.rs:5:22
  = help: a key names one record with one value type on every node; use the same type or another key"
        )
    );
}

/// The seed's two nodes, linked into one binary: the sensor owns the reading, the
/// dashboard observes it with `.link_from()`, which is no second producer across nodes.
#[test]
fn clean_registry_validates() {
    static REGISTRY: Registry = Registry::new();
    static SENSOR: ClaimSet = ClaimSet::new(&[
        source(
            "sensor",
            "read_temperature_loop",
            at("src/sensor.rs", 12, 9),
        ),
        Claim::new::<Temperature>(
            &KEY,
            "Temperature",
            Role::Reader,
            "sensor",
            at("src/sensor.rs", 13, 9),
        ),
    ]);
    static DASHBOARD: ClaimSet = ClaimSet::new(&[
        Claim::new::<Temperature>(
            &KEY,
            "Temperature",
            Role::LinkFrom {
                url: "mqtt://climate/zone-a/reading",
            },
            "dashboard",
            at("src/dashboard.rs", 5, 9),
        ),
        Claim::new::<Humidity>(
            &"climate/zone-a/humidity",
            "Humidity",
            Role::LinkFrom {
                url: "mqtt://climate/zone-a/humidity",
            },
            "dashboard",
            at("src/dashboard.rs", 9, 9),
        ),
    ]);
    REGISTRY.register(&SENSOR);
    REGISTRY.register(&DASHBOARD);
    assert!(REGISTRY.check().is_ok());
    assert_eq!(validate_message(&REGISTRY), None);
    let order: Vec<(&str, &str)> = REGISTRY
        .claims()
        .map(|claim| (claim.node, claim.key.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("sensor", KEY),
            ("sensor", KEY),
            ("dashboard", KEY),
            ("dashboard", "climate/zone-a/humidity"),
        ]
    );
}

/// A node whose start-up code runs twice registers its set twice: still one producer.
#[test]
fn registering_the_same_set_twice_is_a_no_op() {
    static REGISTRY: Registry = Registry::new();
    static SENSOR: ClaimSet = ClaimSet::new(&[source(
        "sensor",
        "read_temperature_loop",
        at("src/sensor.rs", 12, 9),
    )]);
    REGISTRY.register(&SENSOR);
    REGISTRY.register(&SENSOR);
    REGISTRY.register(&SENSOR);
    assert_eq!(REGISTRY.claims().count(), 1);
    assert_eq!(validate_message(&REGISTRY), None);
}

/// A claim set is linked into one registry; adding it to a second is refused loudly rather
/// than silently left out of the second check.
#[test]
fn a_set_belongs_to_one_registry() {
    static FIRST: Registry = Registry::new();
    static SECOND: Registry = Registry::new();
    static SENSOR: ClaimSet = ClaimSet::new(&[source(
        "sensor",
        "read_temperature_loop",
        at("src/sensor.rs", 12, 9),
    )]);
    FIRST.register(&SENSOR);
    let payload = catch_unwind(|| SECOND.register(&SENSOR)).unwrap_err();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("aimdb: the claims of node `sensor` are already registered with another registry")
    );
    assert_eq!(SECOND.claims().count(), 0);
    assert_eq!(FIRST.claims().count(), 1);
}

/// Observers on several nodes each bring the owner's record in: no conflict.
#[test]
fn link_froms_on_different_nodes_validate() {
    static REGISTRY: Registry = Registry::new();
    static DASHBOARD: ClaimSet = ClaimSet::new(&[link_from(
        "dashboard",
        "mqtt://climate/zone-a/reading",
        at("src/dashboard.rs", 8, 9),
    )]);
    static LOGGER: ClaimSet = ClaimSet::new(&[link_from(
        "logger",
        "serial://climate/zone-a/reading",
        at("src/logger.rs", 21, 5),
    )]);
    REGISTRY.register(&DASHBOARD);
    REGISTRY.register(&LOGGER);
    assert_eq!(validate_message(&REGISTRY), None);
}
