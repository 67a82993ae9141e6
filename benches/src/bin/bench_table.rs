//! Prints THE table: every case timed in one run, joined with the allocation counts that
//! the `alloc_count` binary (built alongside, run as a child process) measures.
//!
//! `bench_table [--quick] [--list] [FILTER]`; `AIMDB_BENCH_QUICK=1` is the same as `--quick`;
//! `--list` prints the matching case ids and exits.

use std::collections::HashMap;
use std::process::Command;

use aimdb_benches::harness::median_ns_per_msg_interleaved;
use aimdb_benches::report::{self, Figures, Plan};
use aimdb_benches::{Workload, select};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let plan = Plan::from_env(&args);
    let filter = args.iter().find(|a| !a.starts_with("--")).cloned();
    let cases = select(filter.as_deref());
    if args.iter().any(|a| a == "--list") {
        // For scripts (the instruction counter): one case id per line.
        for case in &cases {
            println!("{}", case.id());
        }
        return;
    }

    // AIMDB_BENCH_NO_ALLOC=1 skips the allocation count (the instruction counter sets it).
    let allocs = if std::env::var_os("AIMDB_BENCH_NO_ALLOC").is_some() {
        HashMap::new()
    } else {
        count_allocations(&args)
    };
    let mut figures = HashMap::new();
    // One workload at a time, its cases' batches interleaved.
    for workload in Workload::ALL {
        let group: Vec<_> = cases.iter().filter(|c| c.workload == workload).collect();
        let mut runners: Vec<_> = group.iter().map(|c| (c.make)()).collect();
        let medians = median_ns_per_msg_interleaved(&mut runners, plan.batches, plan.per_batch);
        for (case, ns) in group.iter().zip(medians) {
            eprintln!("  timed {:<48} {ns:>9.1} ns/msg", case.id());
            figures.insert(
                case.id(),
                Figures {
                    ns,
                    allocs: allocs.get(&case.id()).copied(),
                },
            );
        }
    }
    println!(
        "\n{} batches x {} messages per case, median, batches interleaved across each workload's cases; current-thread tokio runtime; {}",
        plan.batches,
        plan.per_batch,
        load()
    );
    println!();
    let verdicts = report::print(&cases, &figures);
    if cases.iter().any(|c| c.workload == Workload::Codec) {
        println!();
        println!(
            "Bytes on the wire per climate reading (payload; the contract header is 8 of them):"
        );
        for (codec, at_boot, after_an_hour) in aimdb_benches::codec::wire_bytes() {
            println!("  {codec:<28} {at_boot:>3} B at boot, {after_an_hour:>3} B after an hour");
        }
    }
    println!();
    println!("Bars:");
    for v in &verdicts {
        println!("  {} {}", if v.pass { "PASS" } else { "FAIL" }, v.bar);
    }
}

/// Runs the sibling `alloc_count` binary and parses its `id<TAB>per-message` lines.
fn count_allocations(args: &[String]) -> HashMap<String, f64> {
    let exe = std::env::current_exe().expect("own path");
    let counter = exe.with_file_name(format!("alloc_count{}", std::env::consts::EXE_SUFFIX));
    let output = match Command::new(&counter).args(args).output() {
        Ok(out) if out.status.success() => out.stdout,
        Ok(out) => {
            eprintln!(
                "alloc_count failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            return HashMap::new();
        }
        Err(e) => {
            eprintln!(
                "cannot run {}: {e} (build it with --bins)",
                counter.display()
            );
            return HashMap::new();
        }
    };
    String::from_utf8_lossy(&output)
        .lines()
        .filter_map(|line| {
            let mut parts = line.split('\t');
            let id = parts.next()?.to_string();
            let per_msg = parts.next()?.parse().ok()?;
            Some((id, per_msg))
        })
        .collect()
}

/// The machine's load, so a reader knows how noisy the figures are.
fn load() -> String {
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{cpus} CPUs, load average {}",
        loadavg
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    )
}
