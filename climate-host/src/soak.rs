//! The soak's accounting (`scripts/soak.sh` orchestrates; `soak-account` prints this).
//!
//! Every reading carries the sensor's sequence number, from 0. From the two nodes' logs and
//! the dashboard's RSS samples, [`account`] works out where every reading went and checks
//! that the counts add up:
//! - **produced**: the sensor's last sequence number + 1 (the sensor prints it every 50
//!   readings, the dashboard may have seen a later one: the larger of the two, + 1);
//! - **delivered**: distinct readings the dashboard's tap received (QoS 1 redeliveries are
//!   counted apart);
//! - **missed** = produced − delivered, split by where each was lost, counted where it
//!   happened: *lagged* (overwritten in the sensor's ring while its connector queue was full),
//!   *dropped* (refused by the sensor's full queue or failed to encode/publish), *overwritten*
//!   (at the dashboard: delivered into its SingleLatest buffer, replaced before the tap ran —
//!   what its link received, minus what arrived again, minus delivered) and *at broker* (the
//!   rest; no node can count it, and with QoS 1, persistent sessions and a persisting broker
//!   it must be 0).
//!
//! The checks (each a [`Report::failures`] line):
//! - the tap's counts add up: delivered + gaps == last − first + 1;
//! - the sensor's counters add up at its last status line: what is neither sent, queued,
//!   lagged nor dropped is between 0 and its ring (256) + the 1 its link task holds;
//! - no part of missed is negative, and nothing was lost at the broker;
//! - no decode error, no sensor reboot, no panic, neither node ended by itself, both logged
//!   in as themselves;
//! - the dashboard's RSS after warm-up grew by at most the limit.

use std::fmt::Write as _;

/// The sensor's reading ring in `topologies/climate.toml`, plus the one value its link task
/// holds: the most the sensor may hold unaccounted at a status line.
const SENSOR_HOLDS_AT_MOST: i64 = 256 + 1;

/// What the run was and what it left behind.
#[derive(Clone, Debug, Default)]
pub struct Run {
    /// The dashboard's output (its last `summary: k=v ...` line is read).
    pub dashboard_log: String,
    /// The sensor's output (its last `reading #N ... link: S sent, Q queued, L lagged, D
    /// dropped ... (R reconnects)` status line is read).
    pub sensor_log: String,
    /// `(seconds since start, VmRSS in KiB)` samples of the dashboard.
    pub rss: Vec<(u64, u64)>,
    /// Seconds the run lasted.
    pub elapsed_s: u64,
    /// Minutes asked for.
    pub minutes: String,
    /// Minutes between broker restarts.
    pub every: String,
    /// Seconds the broker stayed down at each restart.
    pub outage_s: u64,
    /// Broker restarts done.
    pub restarts: u64,
    /// The RSS sample at or after this second is the warm baseline.
    pub warmup_s: u64,
    /// Allowed RSS growth after warm-up, KiB.
    pub rss_limit_kib: u64,
    /// Why the run stopped early, if a node ended by itself.
    pub ended: Option<String>,
}

/// The printed summary and what failed.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The summary table, one figure per line.
    pub summary: String,
    /// Every failed check, worded; empty means PASS.
    pub failures: Vec<String>,
}

/// A `key=value` field of the dashboard's last `summary:` line.
fn summary_field(summary: &str, key: &str) -> Option<i64> {
    summary
        .split_whitespace()
        .find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
        .and_then(|value| value.parse().ok())
}

/// The sensor's last status line, parsed: `(last seq, [sent, queued, lagged, dropped],
/// reconnects)`.
fn sensor_status(log: &str) -> Option<(i64, Option<[i64; 4]>, Option<i64>)> {
    let line = log.lines().rev().find(|line| line.contains("reading #"))?;
    let number = |text: &str| -> Option<i64> {
        let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let last = number(line.split("reading #").nth(1)?)?;
    let counts = line.split("link: ").nth(1).and_then(|link| {
        let mut words = link.split(", ");
        let mut counts = [0; 4];
        for (slot, name) in counts
            .iter_mut()
            .zip(["sent", "queued", "lagged", "dropped"])
        {
            let word = words.next()?;
            let (value, what) = word.split_once(' ')?;
            if !what.starts_with(name) {
                return None;
            }
            *slot = value.parse().ok()?;
        }
        Some(counts)
    });
    let reconnects = line
        .rsplit_once(" reconnects)")
        .and_then(|(before, _)| before.rsplit_once('(')?.1.parse().ok());
    Some((last, counts, reconnects))
}

/// Account for every reading of `run`.
pub fn account(run: &Run) -> Report {
    let mut failures = Vec::new();
    if let Some(ended) = &run.ended {
        failures.push(ended.clone());
    }
    let summary_line = run
        .dashboard_log
        .lines()
        .rev()
        .find_map(|line| line.split_once("summary: ").map(|(_, rest)| rest));
    if summary_line.is_none() {
        failures.push("the dashboard printed no summary line".into());
    }
    let field = |key| summary_line.and_then(|line| summary_field(line, key));
    let status = sensor_status(&run.sensor_log);
    let (first, last, sensor_last) = match (field("first_seq"), field("last_seq"), status) {
        (Some(first), Some(last), Some((sensor_last, _, _))) => (first, last, sensor_last),
        _ => {
            failures.push(format!(
                "no readings seen (sensor last #{}, dashboard first {})",
                status.map_or("none".into(), |s| s.0.to_string()),
                field("first_seq").map_or("none".into(), |f| f.to_string())
            ));
            (0, 0, 0)
        }
    };
    let [sent, queued, lagged, dropped] = match status.and_then(|s| s.1) {
        Some(counts) => counts,
        None => {
            failures.push("the sensor's status line has no link counters".into());
            [0; 4]
        }
    };
    let received = field("received").unwrap_or(0);
    let gaps = field("missed").unwrap_or(0);
    let produced = sensor_last.max(last) + 1;
    let tail = produced - 1 - last;
    let missed = first + gaps + tail;
    let span = last - first + 1;
    if received + gaps != span {
        failures.push(format!(
            "tap counts do not add up: delivered {received} + gaps {gaps} != last - first + 1 = {span}"
        ));
    }
    let in_sensor = sensor_last + 1 - sent - queued - lagged - dropped;
    if !(0..=SENSOR_HOLDS_AT_MOST).contains(&in_sensor) {
        failures.push(format!(
            "sensor counts do not add up at #{sensor_last}: {} made - sent {sent} - queued {queued} - lagged {lagged} - dropped {dropped} = {in_sensor}, not in 0..={SENSOR_HOLDS_AT_MOST} (its ring of 256 + the 1 its link task holds)",
            sensor_last + 1
        ));
    }
    let link_received = field("link_received").unwrap_or(0);
    let link_again = field("link_duplicates").unwrap_or(0);
    let overwritten = link_received - link_again - received;
    let at_broker = missed - lagged - dropped - overwritten;
    if overwritten < 0 {
        failures.push(format!(
            "the dashboard's link received {link_received} ({link_again} again), fewer than the tap's {received}"
        ));
    }
    if at_broker < 0 {
        failures.push(format!(
            "counted losses exceed missed: lagged {lagged} + dropped {dropped} + overwritten {overwritten} > missed {missed}"
        ));
    } else if at_broker > 0 {
        failures.push(format!(
            "{at_broker} readings lost at the broker (QoS 1, persistent sessions: expected 0)"
        ));
    }
    let decode = field("decode_errors");
    let reboots = field("sensor_restarts");
    if decode.unwrap_or(0) != 0 {
        failures.push(format!(
            "the dashboard's link rejected {} payloads",
            decode.unwrap_or(0)
        ));
    }
    if reboots.unwrap_or(0) != 0 {
        failures.push(format!(
            "the sensor rebooted {}x (sequence started again)",
            reboots.unwrap_or(0)
        ));
    }
    if !run.sensor_log.contains("MQTT login: user `sensor`") {
        failures.push("the sensor firmware did not log in as user sensor".into());
    }
    if !run.dashboard_log.contains("login: user `dashboard`") {
        failures.push("the dashboard did not log in as user dashboard".into());
    }
    let panics: Vec<&str> = [&run.dashboard_log, &run.sensor_log]
        .into_iter()
        .flat_map(|log| log.lines())
        .filter(|line| line.contains("panicked") || line.contains("panic:"))
        .collect();
    if let Some(panic) = panics.first() {
        failures.push(format!("panic: {panic}"));
    }

    let rss_first = run.rss.first().map(|s| s.1);
    let rss_last = run.rss.last().map_or(0, |s| s.1);
    let rss_max = run.rss.iter().map(|s| s.1).max().unwrap_or(0);
    let rss_warm = run
        .rss
        .iter()
        .find(|s| s.0 >= run.warmup_s)
        .map(|s| s.1)
        .or(rss_first)
        .unwrap_or(0);
    let growth = rss_last as i64 - rss_warm as i64;
    if growth > run.rss_limit_kib as i64 {
        failures.push(format!(
            "dashboard RSS grew by {growth} KiB after warm-up (limit {} KiB)",
            run.rss_limit_kib
        ));
    }

    let show = |value: Option<i64>| value.map_or("?".into(), |v| v.to_string());
    let adds_up = if produced == received + missed {
        "yes"
    } else {
        "NO"
    };
    let mut summary = String::new();
    let s = &mut summary;
    let _ = writeln!(
        s,
        "duration           {} s (asked {} min), broker restarts {} (every {} min, {} s down)",
        run.elapsed_s, run.minutes, run.restarts, run.every, run.outage_s
    );
    let _ = writeln!(
        s,
        "produced           {produced}   (sensor's last printed #{sensor_last}, dashboard's last seen #{last}; + 1)"
    );
    let _ = writeln!(
        s,
        "delivered          {received}   (distinct readings the dashboard's tap received; duplicates apart: {})",
        show(field("duplicates"))
    );
    let _ = writeln!(
        s,
        "missed             {missed}   = lagged {lagged} + dropped {dropped} (at the sensor) + overwritten {overwritten} (at the dashboard) + at broker {at_broker}"
    );
    let _ = writeln!(
        s,
        "  in the sequence  before first {first} + gaps {gaps} (across a dashboard reconnect {}, while it was connected {}) + tail {tail}",
        show(field("missed_outage")),
        show(field("missed_connected"))
    );
    let _ = writeln!(
        s,
        "adds up            {adds_up}: produced {produced} == delivered {received} + missed {missed}; tap: {received} + {gaps} == #{last} - #{first} + 1 = {span}"
    );
    let _ = writeln!(
        s,
        "sensor at #{sensor_last}    {} made = sent {sent} + queued {queued} + lagged {lagged} + dropped {dropped} + {in_sensor} in its ring or link task",
        sensor_last + 1
    );
    let _ = writeln!(
        s,
        "dashboard link     received {link_received} from the broker = delivered {received} + arrived again {link_again} (QoS 1 at least once; {} of them reached the tap) + overwritten {overwritten}",
        show(field("duplicates"))
    );
    let _ = writeln!(
        s,
        "reconnects         sensor {}, dashboard {}",
        show(status.and_then(|s| s.2)),
        show(field("reconnects"))
    );
    let _ = writeln!(
        s,
        "decode errors      {} (oversize {}); sensor reboots {}",
        show(decode),
        show(field("oversize")),
        show(reboots)
    );
    let _ = writeln!(
        s,
        "dashboard RSS      first {} KiB, after warm-up ({} s) {rss_warm} KiB, last {rss_last} KiB, max {rss_max} KiB; growth after warm-up {growth} KiB (limit {} KiB)",
        rss_first.map_or("?".into(), |v| v.to_string()),
        run.warmup_s,
        run.rss_limit_kib
    );
    let _ = writeln!(
        s,
        "panics             {}",
        if panics.is_empty() {
            "none".into()
        } else {
            panics
                .iter()
                .take(3)
                .copied()
                .collect::<Vec<_>>()
                .join(" | ")
        }
    );
    let _ = writeln!(s, "samples            {} RSS samples", run.rss.len());
    Report { summary, failures }
}

/// `(seconds, KiB)` pairs from `rss.txt` lines `SECONDS KIB` (lines without both skipped).
pub fn parse_rss(text: &str) -> Vec<(u64, u64)> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.next()?.parse().ok()?, words.next()?.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests;
