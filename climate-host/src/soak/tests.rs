use super::*;

/// A run where every count adds up: 1,000 readings, 10 lagged at the sensor while the
/// broker was away, 5 overwritten at the dashboard, 3 arrived twice.
fn good_run() -> Run {
    Run {
        dashboard_log: "\
[dashboard host] MQTT login: user `dashboard` (password from the environment)
[dashboard host] summary: received=985 missed=15 missed_outage=12 missed_connected=3 first_seq=0 last_seq=999 duplicates=1 sensor_restarts=0 reconnects=2 link_received=993 link_duplicates=3 decode_errors=0 oversize=0 schema_mismatch=0
"
        .into(),
        sensor_log: "\
[sensor    qemu] MQTT login: user `sensor` (password from /tmp/x/credentials)
[sensor    qemu] reading #949 21.50 °C (2 reconnects) online; link: 930 sent, 3 queued, 10 lagged, 0 dropped, 1 resent
[sensor    qemu] reading #999 21.52 °C (2 reconnects) online; link: 988 sent, 1 queued, 10 lagged, 0 dropped, 1 resent
"
        .into(),
        rss: vec![(0, 9000), (60, 10_000), (120, 10_100)],
        elapsed_s: 120,
        minutes: "2".into(),
        every: "1".into(),
        outage_s: 5,
        restarts: 1,
        warmup_s: 60,
        rss_limit_kib: 2048,
        ended: None,
    }
}

#[test]
fn a_run_whose_counts_add_up_passes_and_says_where_each_reading_went() {
    let report = account(&good_run());
    assert_eq!(report.failures, Vec::<String>::new());
    assert!(
        report.summary.contains("produced           1000 "),
        "{}",
        report.summary
    );
    assert!(
        report.summary.contains(
            "missed             15   = lagged 10 + dropped 0 (at the sensor) + overwritten 5 (at the dashboard) + at broker 0"
        ),
        "{}",
        report.summary
    );
    assert!(
        report
            .summary
            .contains("reconnects         sensor 2, dashboard 2")
    );
    assert!(report.summary.contains("growth after warm-up 100 KiB"));
}

#[test]
fn a_reading_lost_at_the_broker_fails_the_run() {
    let mut run = good_run();
    // Two fewer arrived at the dashboard's link and its tap: nobody counted them lost.
    run.dashboard_log = run
        .dashboard_log
        .replace("received=985 missed=15", "received=983 missed=17")
        .replace("link_received=993", "link_received=991");
    let report = account(&run);
    assert_eq!(
        report.failures,
        ["2 readings lost at the broker (QoS 1, persistent sessions: expected 0)"]
    );
}

#[test]
fn counts_that_do_not_add_up_are_named() {
    let mut run = good_run();
    run.dashboard_log = run.dashboard_log.replace("missed=15", "missed=14");
    run.sensor_log = run.sensor_log.replace("988 sent", "600 sent");
    let report = account(&run);
    assert!(
        report
            .failures
            .iter()
            .any(|f| f.starts_with("tap counts do not add up: delivered 985 + gaps 14")),
        "{:?}",
        report.failures
    );
    assert!(
        report
            .failures
            .iter()
            .any(|f| f.starts_with("sensor counts do not add up at #999")),
        "{:?}",
        report.failures
    );
}

#[test]
fn missing_lines_panics_logins_and_memory_growth_each_fail() {
    let mut run = good_run();
    run.dashboard_log = "[dashboard host] thread 'main' panicked at src/x.rs:1:1\n".into();
    run.rss.push((180, 20_000));
    run.ended = Some("the dashboard ended by itself".into());
    let failures = account(&run).failures;
    for expected in [
        "the dashboard ended by itself",
        "the dashboard printed no summary line",
        "the dashboard did not log in as user dashboard",
        "panic: [dashboard host] thread 'main' panicked at src/x.rs:1:1",
        "dashboard RSS grew by 10000 KiB after warm-up (limit 2048 KiB)",
    ] {
        assert!(
            failures.iter().any(|f| f == expected),
            "{expected:?} not in {failures:?}"
        );
    }
}

#[test]
fn rss_samples_are_read_and_junk_lines_skipped() {
    assert_eq!(parse_rss("0 100\n10\n20 300\nx y\n"), [(0, 100), (20, 300)]);
}
