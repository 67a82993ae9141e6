//! A test scenario in a private network namespace the test makes itself (`unshare -n`):
//! only `lo` exists there, brought up with a multicast route, so a peer that reaches for
//! other interfaces (DDS discovery's multicast) cannot send a packet off the machine.
//!
//! The outer test calls [`run`], which re-runs the test binary under `unshare -n` in its
//! own process group, running only the `#[ignore]`d inner test with `mark` set; the inner
//! test calls [`assert_inside`] before it starts any peer. The outer test kills the whole
//! group if it overruns, so no peer outlives the test.
#![allow(dead_code)]

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::{Duration, Instant};

/// Run the `#[ignore]`d test `inner` of this test binary inside a new network namespace
/// and assert it passed, killing its process group after `whole` (plus 10 s).
pub fn run(name: &str, inner: &str, mark: &str, whole: Duration) {
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let mut child = Command::new("unshare")
        .args([
            "-n",
            "--",
            "sh",
            "-c",
            "ip link set lo up && ip route add 224.0.0.0/4 dev lo src 127.0.0.1 && exec \"$0\" \"$@\"",
        ])
        .arg(&exe)
        .args([inner, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(mark, "1")
        .process_group(0)
        .spawn()
        .expect("unshare (util-linux) runs");
    let pgid = child.id();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > whole + Duration::from_secs(10) {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pgid}")])
                .status();
            let _ = child.wait();
            panic!(
                "{name}: the scenario did not finish within {whole:?}; killed its process group"
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        status.success(),
        "{name}: the scenario in the private network namespace failed ({status}); its output is above. \
         (`unshare -n` needs root or unprivileged user namespaces.)"
    );
}

/// Interfaces of this process's network namespace (`/proc/net/dev` is per namespace).
pub fn interfaces() -> Vec<String> {
    std::fs::read_to_string("/proc/net/dev")
        .unwrap()
        .lines()
        .skip(2)
        .filter_map(|line| line.split(':').next())
        .map(|name| name.trim().to_owned())
        .collect()
}

/// Refuse to go on unless this is the namespace [`run`] makes: `mark` is set and `lo` is
/// the only interface.
pub fn assert_inside(mark: &str, peer: &str) {
    assert!(
        std::env::var_os(mark).is_some() && interfaces() == ["lo"],
        "refusing to start {peer}: not inside the private network namespace the outer test makes (interfaces: {:?})",
        interfaces()
    );
}
