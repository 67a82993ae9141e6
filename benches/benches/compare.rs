//! The same cases under criterion (`cargo bench -p aimdb-benches`), one group per workload.
//! The table (`scripts/bench.sh`) is the primary output; this is for criterion's
//! statistics and history. Each case's runner times its own batch (`iter_custom`), so
//! set-up stays out of the measurement exactly as in the table.

use criterion::{Criterion, criterion_main};

use aimdb_benches::{Workload, all_cases};

fn compare(c: &mut Criterion) {
    let cases = all_cases();
    for workload in Workload::ALL {
        let mut group = c.benchmark_group(workload.name());
        for case in cases.iter().filter(|case| case.workload == workload) {
            let mut runner = (case.make)();
            group.bench_function(case.label, |b| b.iter_custom(&mut runner));
        }
        group.finish();
    }
}

// criterion's macro defines an undocumented `pub fn benches`.
#[allow(missing_docs)]
mod group {
    use super::compare;
    criterion::criterion_group!(benches, compare);
}
use group::benches;
criterion_main!(benches);
