//! The fleet measurement's accounting (`scripts/scale.sh`, `fleet-dashboard`): a latency
//! histogram the family tap fills without allocating, process CPU and RSS from `/proc`, one
//! result row per fleet size, and the table and SVG plot made from the rows.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// Histogram resolution: 50 µs buckets up to 2 s, then one overflow bucket.
const BUCKET_US: u64 = 50;
const BUCKETS: usize = 40_000;

/// Latencies in fixed buckets: recording is one relaxed atomic add.
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS + 1],
}

impl Histogram {
    /// Every bucket empty.
    pub const fn new() -> Self {
        Histogram {
            buckets: [const { AtomicU64::new(0) }; BUCKETS + 1],
        }
    }

    /// Count one latency.
    pub fn record(&self, micros: u64) {
        let at = ((micros / BUCKET_US) as usize).min(BUCKETS);
        self.buckets[at].fetch_add(1, Ordering::Relaxed);
    }

    /// Empty every bucket.
    pub fn reset(&self) {
        for bucket in &self.buckets {
            bucket.store(0, Ordering::Relaxed);
        }
    }

    /// The `p`-quantile (0..1) in milliseconds (a bucket's upper edge; the overflow bucket
    /// reads as its lower edge), `None` when empty.
    pub fn quantile_ms(&self, p: f64) -> Option<f64> {
        let counts: Vec<u64> = self
            .buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return None;
        }
        let wanted = ((total as f64) * p).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (at, count) in counts.iter().enumerate() {
            seen += count;
            if seen >= wanted {
                let edge = (at as u64 + u64::from(at < BUCKETS)) * BUCKET_US;
                return Some(edge as f64 / 1000.0);
            }
        }
        None
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

/// CPU time (user + system) of process `pid` (this one for `None`) in clock ticks
/// (`/proc/PID/stat`, USER_HZ = 100 on Linux).
pub fn cpu_ticks(pid: Option<u32>) -> Option<u64> {
    let path = pid.map_or("/proc/self/stat".to_owned(), |p| format!("/proc/{p}/stat"));
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the `(comm)`, which may hold spaces: utime and stime are the 12th and
    // 13th after it.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Ticks per second of [`cpu_ticks`].
pub const TICKS_PER_S: f64 = 100.0;

/// This process's resident set, KiB (`VmRSS`).
pub fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One fleet size's figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    /// The setup (`one broker`, `bridged`).
    pub setup: String,
    /// Sensor instances running.
    pub instances: u32,
    /// Readings the dashboard's tap received per second.
    pub delivered_per_s: f64,
    /// Latency from the reading's timestamp to the tap, median, ms.
    pub p50_ms: f64,
    /// The same, 99th percentile, ms.
    pub p99_ms: f64,
    /// The dashboard's CPU, % of one core.
    pub dashboard_cpu: f64,
    /// The dashboard's RSS at the end, MiB.
    pub dashboard_rss_mib: f64,
    /// The brokers' CPU, % of one core (both, when bridged).
    pub broker_cpu: f64,
    /// The sensor processes' CPU together, % of one core (over their whole run).
    pub sensors_cpu: f64,
    /// Readings lost before the dashboard in the window: gaps in the instances' sequences.
    pub lost: u64,
    /// Readings the dashboard's rings overwrote before its tap read them.
    pub overrun: u64,
    /// Payloads refused (unknown instance, undecodable).
    pub refused: u64,
}

impl Row {
    /// The row as one `key=value` line (what `fleet-dashboard` prints).
    pub fn to_line(&self) -> String {
        format!(
            "row setup={} instances={} delivered_per_s={:.0} p50_ms={:.2} p99_ms={:.2} dashboard_cpu={:.1} dashboard_rss_mib={:.1} broker_cpu={:.1} sensors_cpu={:.1} lost={} overrun={} refused={}",
            self.setup.replace(' ', "_"),
            self.instances,
            self.delivered_per_s,
            self.p50_ms,
            self.p99_ms,
            self.dashboard_cpu,
            self.dashboard_rss_mib,
            self.broker_cpu,
            self.sensors_cpu,
            self.lost,
            self.overrun,
            self.refused
        )
    }

    /// A line [`to_line`](Self::to_line) wrote, `None` for any other line.
    pub fn parse(line: &str) -> Option<Row> {
        let rest = line.strip_prefix("row ")?;
        let mut row = Row::default();
        for pair in rest.split_whitespace() {
            let (key, value) = pair.split_once('=')?;
            let number = || value.parse::<f64>().ok();
            match key {
                "setup" => row.setup = value.replace('_', " "),
                "instances" => row.instances = value.parse().ok()?,
                "delivered_per_s" => row.delivered_per_s = number()?,
                "p50_ms" => row.p50_ms = number()?,
                "p99_ms" => row.p99_ms = number()?,
                "dashboard_cpu" => row.dashboard_cpu = number()?,
                "dashboard_rss_mib" => row.dashboard_rss_mib = number()?,
                "broker_cpu" => row.broker_cpu = number()?,
                "sensors_cpu" => row.sensors_cpu = number()?,
                "lost" => row.lost = value.parse().ok()?,
                "overrun" => row.overrun = value.parse().ok()?,
                "refused" => row.refused = value.parse().ok()?,
                _ => return None,
            }
        }
        Some(row)
    }
}

/// The rows as one Markdown table.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| setup | sensors | offered/s | delivered/s | p50 ms | p99 ms | dashboard CPU % | dashboard RSS MiB | broker CPU % | sensors CPU % | lost | overrun | refused |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {:.1} | {:.1} | {:.1} | {:.0} | {} | {} | {} |",
            r.setup,
            r.instances,
            r.instances * 100,
            r.delivered_per_s,
            r.p50_ms,
            r.p99_ms,
            r.dashboard_cpu,
            r.dashboard_rss_mib,
            r.broker_cpu,
            r.sensors_cpu,
            r.lost,
            r.overrun,
            r.refused
        );
    }
    out
}

/// The one-broker rows drawn as an SVG: delivered/s and offered/s (left axis), p99 latency
/// (right axis) over the number of sensors.
pub fn svg(rows: &[Row]) -> String {
    let rows: Vec<&Row> = rows.iter().filter(|r| r.setup == "one broker").collect();
    let (w, h, left, right, top, bottom) = (640.0, 360.0, 70.0, 570.0, 30.0, 300.0);
    let max_n = rows.iter().map(|r| r.instances).max().unwrap_or(1).max(1) as f64;
    let max_rate = rows
        .iter()
        .map(|r| ((r.instances * 100) as f64).max(r.delivered_per_s))
        .fold(1.0, f64::max);
    // The latency axis ends at 100 ms (the bar is 50): a saturated point sits on the top
    // edge with its value written next to it.
    let max_ms = 100.0;
    let x = |n: f64| left + (right - left) * n / max_n;
    let y_rate = |v: f64| bottom - (bottom - top) * v / max_rate;
    let y_ms = |v: f64| bottom - (bottom - top) * v.min(max_ms) / max_ms;
    let line = |points: Vec<(f64, f64)>, colour: &str, dash: &str| {
        let path: Vec<String> = points
            .iter()
            .map(|(a, b)| format!("{a:.1},{b:.1}"))
            .collect();
        let dots: String = points
            .iter()
            .map(|(a, b)| {
                format!("<circle cx=\"{a:.1}\" cy=\"{b:.1}\" r=\"3\" fill=\"{colour}\"/>")
            })
            .collect();
        format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"{dash}\" points=\"{}\"/>{dots}\n",
            path.join(" ")
        )
    };
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n\
         <text x=\"{left}\" y=\"18\" font-size=\"14\">fleet scale: sensors × 100 readings/s, QoS 1, one mosquitto, one dashboard (scripts/scale.sh)</text>\n\
         <line x1=\"{left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\" stroke=\"black\"/>\n\
         <line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{bottom}\" stroke=\"black\"/>\n\
         <line x1=\"{right}\" y1=\"{top}\" x2=\"{right}\" y2=\"{bottom}\" stroke=\"black\"/>\n\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">sensor instances</text>\n\
         <text x=\"10\" y=\"{}\" fill=\"steelblue\">readings/s</text>\n\
         <text x=\"{}\" y=\"{}\" fill=\"firebrick\">p99 ms</text>\n",
        (left + right) / 2.0,
        bottom + 40.0,
        top - 5.0 + 15.0,
        right - 20.0,
        top - 5.0 + 15.0
    );
    for r in &rows {
        let n = r.instances as f64;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            x(n),
            bottom + 16.0,
            r.instances
        );
    }
    for i in 0..=4 {
        let v = max_rate * f64::from(i) / 4.0;
        let ms = max_ms * f64::from(i) / 4.0;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"steelblue\">{v:.0}</text><text x=\"{}\" y=\"{:.1}\" fill=\"firebrick\">{ms:.0}</text>",
            left - 4.0,
            y_rate(v) + 4.0,
            right + 4.0,
            y_ms(ms) + 4.0
        );
    }
    out += &line(
        rows.iter()
            .map(|r| (x(r.instances as f64), y_rate((r.instances * 100) as f64)))
            .collect(),
        "gray",
        "4 4",
    );
    out += &line(
        rows.iter()
            .map(|r| (x(r.instances as f64), y_rate(r.delivered_per_s)))
            .collect(),
        "steelblue",
        "",
    );
    out += &line(
        rows.iter()
            .map(|r| (x(r.instances as f64), y_ms(r.p99_ms)))
            .collect(),
        "firebrick",
        "",
    );
    for r in rows.iter().filter(|r| r.p99_ms > max_ms) {
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"firebrick\">p99 ≥ {:.0} ms</text>",
            x(r.instances as f64) - 6.0,
            top + 14.0,
            r.p99_ms
        );
    }
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" fill=\"gray\">dashed: offered; dotted: the 50 ms bar</text>\n<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{right}\" y2=\"{:.1}\" stroke=\"firebrick\" stroke-dasharray=\"2 6\"/>\n</svg>\n",
        left + 10.0,
        top + 15.0,
        y_ms(50.0),
        y_ms(50.0)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_quantiles_read_bucket_edges() {
        let row = Row {
            setup: "one broker".into(),
            instances: 100,
            delivered_per_s: 9999.0,
            p50_ms: 1.25,
            p99_ms: 7.5,
            dashboard_cpu: 55.5,
            dashboard_rss_mib: 12.0,
            broker_cpu: 70.0,
            sensors_cpu: 160.0,
            lost: 0,
            overrun: 1,
            refused: 2,
        };
        assert_eq!(Row::parse(&row.to_line()), Some(row.clone()));
        assert!(table(std::slice::from_ref(&row)).contains("| one broker | 100 | 10000 | 9999 |"));
        assert!(svg(&[row]).starts_with("<svg"));
        let h = Histogram::new();
        assert_eq!(h.quantile_ms(0.5), None);
        for us in [10, 20, 30, 10_000_000] {
            h.record(us);
        }
        assert_eq!(h.quantile_ms(0.5), Some(0.05));
        assert_eq!(h.quantile_ms(0.99), Some(2000.0));
    }
}
