//! Every case runs and delivers every value in order (each runner checks what it
//! receives and panics otherwise), so the benchmarks cannot silently measure a broken path.

use aimdb_benches::all_cases;

#[test]
fn every_case_delivers_every_message() {
    let cases = all_cases();
    assert!(
        cases.len() >= 5 * 6,
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
