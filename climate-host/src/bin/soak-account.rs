//! The soak's accounting: reads the run directory `scripts/soak.sh` filled and prints where
//! every reading went (`climate_host::soak`). Exit 0 on PASS, 1 on FAIL, 2 on a usage error.
//!
//! ```text
//! soak-account DIR elapsed=S minutes=M every=E outage=S restarts=N warmup=S rss-limit=KIB [ended=TEXT]
//! ```
//! DIR holds `dashboard.log`, `sensor.log` and `rss.txt`.

use std::process::ExitCode;

use climate_host::soak::{Run, account, parse_rss};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: soak-account DIR key=value ...");
        return ExitCode::from(2);
    };
    let read = |name: &str| {
        std::fs::read(format!("{dir}/{name}")).map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    let mut run = Run {
        dashboard_log: read("dashboard.log").unwrap_or_default(),
        sensor_log: read("sensor.log").unwrap_or_default(),
        rss: parse_rss(&read("rss.txt").unwrap_or_default()),
        ..Run::default()
    };
    for arg in args {
        let Some((key, value)) = arg.split_once('=') else {
            eprintln!("soak-account: `{arg}` is not key=value");
            return ExitCode::from(2);
        };
        let number = || value.parse::<u64>().unwrap_or(0);
        match key {
            "elapsed" => run.elapsed_s = number(),
            "minutes" => run.minutes = value.into(),
            "every" => run.every = value.into(),
            "outage" => run.outage_s = number(),
            "restarts" => run.restarts = number(),
            "warmup" => run.warmup_s = number(),
            "rss-limit" => run.rss_limit_kib = number(),
            "ended" if !value.is_empty() => run.ended = Some(value.into()),
            "ended" => {}
            _ => {
                eprintln!("soak-account: unknown key `{key}`");
                return ExitCode::from(2);
            }
        }
    }
    let report = account(&run);
    println!("==================== soak summary ====================");
    print!("{}", report.summary);
    println!("logs               {dir}");
    if report.failures.is_empty() {
        println!("result             PASS");
        ExitCode::SUCCESS
    } else {
        println!("result             FAIL");
        for failure in &report.failures {
            println!("  - {failure}");
        }
        ExitCode::from(1)
    }
}
