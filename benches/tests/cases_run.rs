//! Every case runs and delivers every value in order (each runner checks what it
//! receives and panics otherwise), so the benchmarks cannot silently measure a broken path.

use aimdb_benches::{Family, Workload, all_cases};

#[test]
fn every_case_delivers_every_message() {
    let cases = all_cases();
    assert!(
        cases.len() >= 5 * 6 + 3,
        "every workload has ours, reference and raw cases"
    );
    for case in cases {
        let mut runner = (case.make)();
        // Twice: the second batch starts from the state the first one left.
        for n in [100, 1_000] {
            let elapsed = runner(n);
            assert!(
                elapsed.as_nanos() > 0,
                "{}: a batch of {n} took no time",
                case.id()
            );
        }
    }
}

#[test]
fn ids_are_unique() {
    let mut ids: Vec<String> = all_cases().iter().map(|c| c.id()).collect();
    let before = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(
        before,
        ids.len(),
        "two cases share an id; the alloc join would mix them"
    );
}

/// The join trigger is measured for ours (a `topology!` node), the reference (its
/// `transform_join` and runner) and a hand-written raw join; each runner panics unless the
/// tap sees `value + 1` for every value, in order. Three batches: the first starts the
/// join's tasks from cold, the later ones continue from the values the tap already saw.
#[test]
fn the_join_trigger_delivers_in_order_for_every_system() {
    let joins: Vec<_> = all_cases()
        .into_iter()
        .filter(|c| c.workload == Workload::Join)
        .collect();
    for family in [Family::Ours, Family::Reference, Family::Raw] {
        assert!(
            joins.iter().any(|c| c.family == family),
            "no {family:?} join trigger case"
        );
    }
    for case in joins {
        let mut runner = (case.make)();
        for n in [1, 100, 1_000] {
            assert!(
                runner(n).as_nanos() > 0,
                "{}: a batch of {n} took no time",
                case.id()
            );
        }
    }
}
