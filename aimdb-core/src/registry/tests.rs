//! Unit tests of the registry's lock-free list, run under miri by `scripts/miri.sh`:
//! claim sets registered from several threads at once, while another thread reads.

extern crate std;

use core::any::TypeId;
use std::thread;
use std::vec::Vec;

use super::{Claim, ClaimSet, Conflict, Location, Registry, Role};

const HERE: Location = Location {
    file: "src/node.rs",
    line: 1,
    column: 1,
};

const fn reader(key: &'static &'static str, node: &'static str) -> Claim {
    Claim::new::<u32>(key, "u32", Role::Reader, node, HERE)
}

const fn source(key: &'static &'static str, node: &'static str) -> Claim {
    Claim::new::<u32>(key, "u32", Role::Source { function: "f" }, node, HERE)
}

static KEYS: [&str; 6] = ["k/0", "k/1", "k/2", "k/3", "k/4", "k/5"];

/// Six nodes, each the source of its own key and a reader of the next one.
static SETS: [ClaimSet; 6] = {
    const fn node(i: usize) -> [Claim; 2] {
        [source(&KEYS[i], "node"), reader(&KEYS[(i + 1) % 6], "node")]
    }
    static CLAIMS: [[Claim; 2]; 6] = [node(0), node(1), node(2), node(3), node(4), node(5)];
    [
        ClaimSet::new(&CLAIMS[0]),
        ClaimSet::new(&CLAIMS[1]),
        ClaimSet::new(&CLAIMS[2]),
        ClaimSet::new(&CLAIMS[3]),
        ClaimSet::new(&CLAIMS[4]),
        ClaimSet::new(&CLAIMS[5]),
    ]
};

#[test]
fn sets_registered_from_threads_are_all_linked_once() {
    static REGISTRY: Registry = Registry::new();
    let observer = thread::spawn(|| {
        // Reading while others link must only ever see whole, registered sets.
        for _ in 0..20 {
            let count = REGISTRY.claims().count();
            assert!(count.is_multiple_of(2) && count <= 12, "{count} claims");
            thread::yield_now();
        }
    });
    let workers: Vec<_> = (0..3)
        .map(|worker| {
            thread::spawn(move || {
                // Every worker registers every set: each must be linked exactly once.
                for offset in 0..SETS.len() {
                    REGISTRY.register(&SETS[(worker * 2 + offset) % SETS.len()]);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    observer.join().unwrap();
    let mut keys: Vec<&str> = REGISTRY
        .claims()
        .filter(|c| c.role.is_producer())
        .map(|c| c.key.as_str())
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, KEYS);
    assert_eq!(REGISTRY.claims().count(), 12);
    assert!(REGISTRY.check().is_ok());
}

#[test]
fn a_type_conflict_is_reported_before_a_producer_conflict() {
    static REGISTRY: Registry = Registry::new();
    static CLAIMS: [Claim; 2] = [
        source(&KEYS[0], "a"),
        Claim::new::<i64>(&KEYS[0], "i64", Role::Transform, "b", HERE),
    ];
    static SET: ClaimSet = ClaimSet::new(&CLAIMS);
    REGISTRY.register(&SET);
    match REGISTRY.check() {
        Err(Conflict::TwoTypes { first, second }) => {
            assert_eq!((first.node, second.node), ("a", "b"));
            assert_eq!((first.type_id)(), TypeId::of::<u32>());
            assert_eq!((second.type_id)(), TypeId::of::<i64>());
        }
        other => panic!("expected a type conflict, got {other:?}"),
    }
}

#[test]
fn readers_never_conflict_with_each_other_or_one_producer() {
    static REGISTRY: Registry = Registry::new();
    static CLAIMS: [Claim; 4] = [
        reader(&KEYS[0], "a"),
        reader(&KEYS[0], "b"),
        Claim::new::<u32>(
            &KEYS[0],
            "u32",
            Role::LinkFrom { url: "mqtt://k/0" },
            "c",
            HERE,
        ),
        reader(&KEYS[0], "d"),
    ];
    static SET: ClaimSet = ClaimSet::new(&CLAIMS);
    REGISTRY.register(&SET);
    assert!(REGISTRY.check().is_ok());
    REGISTRY.validate();
}
