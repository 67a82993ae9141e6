//! The one table: ours vs reference vs the best raw primitive, with allocation counts.

use std::collections::HashMap;

use crate::cases::{Case, Family, Sharing, Workload};

/// Run sizes: how many timed batches and how many messages per batch.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Timed batches per case (the median is reported).
    pub batches: usize,
    /// Messages per batch.
    pub per_batch: u64,
}

impl Plan {
    /// `--quick` / `AIMDB_BENCH_QUICK=1`: a few seconds in all, for CI.
    pub const QUICK: Plan = Plan {
        batches: 5,
        per_batch: 2_000,
    };
    /// The full run.
    pub const FULL: Plan = Plan {
        batches: 51,
        per_batch: 100_000,
    };

    /// Picks the plan from the command line and the environment.
    pub fn from_env(args: &[String]) -> Plan {
        let quick_env = std::env::var("AIMDB_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
        if quick_env || args.iter().any(|a| a == "--quick") {
            Plan::QUICK
        } else {
            Plan::FULL
        }
    }
}

/// What was measured for one case.
#[derive(Clone, Copy, Debug, Default)]
pub struct Figures {
    /// Median nanoseconds per message.
    pub ns: f64,
    /// Allocations per message (the slope between two batch sizes), if counted.
    pub allocs: Option<f64>,
}

fn best<'a>(
    cases: &'a [Case],
    figures: &HashMap<String, Figures>,
    keep: impl Fn(&Case) -> bool,
) -> Option<(&'a Case, Figures)> {
    cases
        .iter()
        .filter(|c| keep(c))
        .filter_map(|c| figures.get(&c.id()).map(|f| (c, *f)))
        .min_by(|a, b| a.1.ns.total_cmp(&b.1.ns))
}

fn allocs(f: Option<Figures>) -> String {
    match f.and_then(|f| f.allocs) {
        None => "n/a".into(),
        Some(a) if a.abs() < 0.0005 => "0".into(),
        Some(a) => format!("{a:.2}"),
    }
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}", a / b)
    } else {
        "n/a".into()
    }
}

/// One pass/fail line per bar of the issue.
pub struct Verdict {
    /// The bar, in words.
    pub bar: String,
    /// Whether it was met.
    pub pass: bool,
}

/// Prints the summary table and the per-case detail, and returns the bars' verdicts.
pub fn print(cases: &[Case], figures: &HashMap<String, Figures>) -> Vec<Verdict> {
    let mut verdicts = Vec::new();
    println!(
        "| case | class | ours ns/msg | reference ns/msg | best raw ns/msg | ours/ref | ours/raw | allocs/msg ours / ref / raw |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for workload in Workload::ALL {
        let of = |c: &Case| c.workload == workload;
        let reference = best(cases, figures, |c| of(c) && c.family == Family::Reference);
        for sharing in [Sharing::SameThread, Sharing::ThreadSafe] {
            // "Ours" is the faster of our headline cases in the class (erased handles where
            // the mutex allows it), as "best raw" is the fastest primitive in the class.
            let ours = best(cases, figures, |c| {
                of(c) && c.family == Family::Ours && c.sharing == sharing && !c.is_variant()
            });
            let raw = best(cases, figures, |c| {
                of(c) && c.family == Family::Raw && c.sharing == sharing && !c.is_variant()
            });
            let (Some((oc, o)), Some((rc, r))) = (ours, raw) else {
                continue;
            };
            let class = match sharing {
                Sharing::SameThread => "same-thread",
                Sharing::ThreadSafe => "thread-safe",
            };
            let ref_ns = reference.map(|(_, f)| f.ns).unwrap_or(0.0);
            println!(
                "| {} | {class} | {:.1} ({}) | {} | {:.1} ({}) | {} | {} | {} / {} / {} |",
                workload.name(),
                o.ns,
                oc.label,
                reference.map_or("n/a".into(), |(_, f)| format!("{:.1}", f.ns)),
                r.ns,
                rc.label,
                ratio(o.ns, ref_ns),
                ratio(o.ns, r.ns),
                allocs(Some(o)),
                allocs(reference.map(|(_, f)| f)),
                allocs(Some(r)),
            );
            if let (Sharing::ThreadSafe, true, Some(bar)) =
                (sharing, ref_ns > 0.0, workload.reference_bar())
            {
                let speedup = ref_ns / o.ns;
                verdicts.push(Verdict {
                    bar: format!(
                        "{}: ours ({}) {:.2}x faster than reference (bar {:.1}x)",
                        workload.name(),
                        oc.label,
                        speedup,
                        bar
                    ),
                    pass: speedup >= bar,
                });
            }
            if let Some(bar) = workload.raw_bar() {
                verdicts.push(Verdict {
                    bar: format!(
                        "{} {class}: ours/best raw {:.2} vs {} (bar <= {bar:.2})",
                        workload.name(),
                        o.ns / r.ns,
                        rc.label
                    ),
                    pass: o.ns / r.ns <= bar,
                });
            }
        }
    }
    if let Some(v) = embassy_row(cases, figures) {
        verdicts.push(v);
    }
    for case in cases.iter().filter(|c| c.family == Family::Ours) {
        if let Some(a) = figures.get(&case.id()).and_then(|f| f.allocs) {
            verdicts.push(Verdict {
                bar: format!(
                    "{} / {}: {a:.4} allocations per message (bar 0)",
                    case.workload.name(),
                    case.label
                ),
                pass: a.abs() < 0.0005,
            });
        }
    }
    println!();
    println!("Every case (median ns/msg; allocations per message):");
    for case in cases {
        if let Some(f) = figures.get(&case.id()) {
            println!(
                "  {:<24} {:<36} {:>9.1} ns  {:>6} allocs",
                case.workload.name(),
                case.label,
                f.ns,
                allocs(Some(*f))
            );
        }
    }
    verdicts
}

/// The pipeline on an embassy executor: ours (the node `topology!` emits for embassy) vs
/// raw `PubSubChannel` on the same executor. The reference has no embassy runner here, so
/// its column repeats its tokio figure for scale and no reference bar is judged.
fn embassy_row(cases: &[Case], figures: &HashMap<String, Figures>) -> Option<Verdict> {
    let pick = |family| {
        best(cases, figures, |c| {
            c.family == family && c.label.contains("on embassy executor")
        })
    };
    let ((oc, o), (rc, r)) = (pick(Family::Ours)?, pick(Family::Raw)?);
    let reference = best(cases, figures, |c| {
        c.workload == oc.workload && c.family == Family::Reference
    });
    println!(
        "| {} | embassy executor | {:.1} ({}) | {} (tokio) | {:.1} ({}) | {} | {} | {} / {} / {} |",
        oc.workload.name(),
        o.ns,
        oc.label,
        reference.map_or("n/a".into(), |(_, f)| format!("{:.1}", f.ns)),
        r.ns,
        rc.label,
        ratio(o.ns, reference.map_or(0.0, |(_, f)| f.ns)),
        ratio(o.ns, r.ns),
        allocs(Some(o)),
        allocs(reference.map(|(_, f)| f)),
        allocs(Some(r)),
    );
    Some(Verdict {
        bar: format!(
            "{} on an embassy executor: ours/best raw {:.2} vs {} (bar <= 1.10)",
            oc.workload.name(),
            o.ns / r.ns,
            rc.label
        ),
        pass: o.ns / r.ns <= 1.10,
    })
}
