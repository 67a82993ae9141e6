//! knxd (a KNXnet/IP tunnelling server on a virtual bus) and knxtool (the independent second
//! party on that bus) for a test, only ever inside a private network namespace the test
//! makes: knxd joins a multicast group on the default-route interface and binds 0.0.0.0.
//!
//! The outer test calls [`run_in_private_netns`], which re-runs the test binary under
//! `unshare -n` (a new network namespace holding only `lo`, brought up with a multicast
//! route) in its own process group, running only the `#[ignore]`d inner test; the inner test
//! calls [`assert_private_netns`] before it starts [`Knxd`]. The outer test kills the whole
//! group if it overruns, so neither knxd nor the namespace outlive the test. Used by
//! `aimdb-connectors/tests/knx_knxd.rs` and `tests/tests/knx_setpoint.rs`.
#![allow(dead_code)] // each test binary uses its own part

// The namespace itself, shared with the DDS test (a path relative to this file's folder).
#[path = "netns.rs"]
mod netns;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set in the inner test's environment by [`run_in_private_netns`].
pub const NETNS_MARK: &str = "AIMDB_KNX_PRIVATE_NETNS";

/// knxd's KNXnet/IP port, on the namespace's loopback.
pub const SERVER: &str = "127.0.0.1:3671";

pub fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Run the `#[ignore]`d test `inner` of this test binary inside a new network namespace and
/// assert it passed, killing its process group if it takes longer than `whole` (plus 10 s
/// for the build-free start). Without knxd or knxtool: prints `SKIPPED NAME` and returns
/// `false`, unless `CI` is set (then it fails).
pub fn run_in_private_netns(name: &str, inner: &str, whole: Duration) -> bool {
    if !installed("knxd") || !installed("knxtool") {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but knxd/knxtool are not installed: apt-get install -y knxd knxd-tools (scripts/setup.sh with AIMDB_SETUP_TESTS=1)"
        );
        eprintln!(
            "SKIPPED {name}: knxd is not installed (apt-get install -y knxd knxd-tools); set CI=1 to make this a failure"
        );
        return false;
    }
    netns::run(name, inner, NETNS_MARK, whole);
    true
}

/// Interfaces of this process's network namespace.
pub fn interfaces() -> Vec<String> {
    netns::interfaces()
}

/// Refuse to go on (and so to start knxd) unless this is the private network namespace
/// [`run_in_private_netns`] makes: the mark is set and `lo` is the only interface.
pub fn assert_private_netns() {
    netns::assert_inside(NETNS_MARK, "knxd");
}

/// knxd on the virtual bus, killed (and its socket removed) when dropped.
pub struct Knxd {
    child: Child,
    socket: PathBuf,
}

impl Knxd {
    /// Start knxd with its local socket in `dir`; wait (up to `wait`) until the socket exists.
    pub fn start(dir: &Path, wait: Duration) -> Knxd {
        let socket = dir.join("eib");
        let _ = std::fs::remove_file(&socket);
        let child = Command::new("knxd")
            .args(["-e", "0.0.1", "-E", "0.0.2:8", "-u"])
            .arg(&socket)
            .args(["-D", "-T", "-S", "-b", "dummy:"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("knxd starts");
        let deadline = Instant::now() + wait;
        while !socket.exists() {
            assert!(Instant::now() < deadline, "knxd did not create {socket:?}");
            std::thread::sleep(Duration::from_millis(5));
        }
        Knxd { child, socket }
    }

    /// knxtool's URL for this knxd: `local:DIR/eib`.
    pub fn url(&self) -> String {
        format!("local:{}", self.socket.display())
    }

    /// Kill it outright (no DISCONNECT to its clients), as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.socket);
    }
}

impl Drop for Knxd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One line of `knxtool groupsocketlisten`, as the payload form our codecs take.
#[derive(Debug)]
pub struct Seen {
    pub at: Instant,
    pub source: String,
    pub group: String,
    pub payload: Vec<u8>,
}

/// `Write from 0.0.2 to 1/2/3: 0C 33 ` (long form: each byte followed by a space) or
/// `... : 01` (short form: the 6-bit value, no trailing space).
pub fn parse_listen_line(line: &str, at: Instant) -> Option<Seen> {
    let rest = line.strip_prefix("Write from ")?;
    let (source, rest) = rest.split_once(" to ")?;
    let (group, data) = rest.split_once(": ")?;
    let bytes: Vec<u8> = data
        .split_whitespace()
        .map(|b| u8::from_str_radix(b, 16))
        .collect::<Result<_, _>>()
        .ok()?;
    let payload = if data.ends_with(' ') {
        [&[0u8][..], &bytes].concat()
    } else {
        bytes
    };
    Some(Seen {
        at,
        source: source.to_owned(),
        group: group.to_owned(),
        payload,
    })
}

/// `knxtool groupsocketlisten` on the bus, line-buffered through `stdbuf`, read by a thread.
pub struct Listener {
    child: Child,
    pub lines: tokio::sync::mpsc::UnboundedReceiver<Seen>,
    wait: Duration,
}

impl Listener {
    /// Start listening; [`next`](Self::next) waits up to `wait` for a line.
    pub async fn start(knxd: &Knxd, wait: Duration) -> Listener {
        let mut child = Command::new("stdbuf")
            .args(["-oL", "knxtool", "groupsocketlisten", &knxd.url()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("knxtool groupsocketlisten starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(seen) = parse_listen_line(&line, Instant::now())
                    && tx.send(seen).is_err()
                {
                    break;
                }
            }
        });
        // groupsocketlisten prints nothing when it is ready; give it a moment to open.
        tokio::time::sleep(Duration::from_millis(100)).await;
        Listener { child, lines, wait }
    }

    /// The next line for `group`, within the listener's wait.
    pub async fn next(&mut self, group: &str) -> Seen {
        let wait = self.wait;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let seen = tokio::time::timeout_at(deadline, self.lines.recv())
                .await
                .ok()
                .flatten()
                .unwrap_or_else(|| panic!("knxtool saw nothing on {group} within {wait:?}"));
            if seen.group == group {
                return seen;
            }
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `knxtool groupwrite URL GROUP BYTES..` (long form) or `groupswrite URL GROUP VALUE`
/// (short form), bounded in time (5 s), off the runtime's thread.
pub async fn knxtool(args: Vec<String>) {
    let status = tokio::task::spawn_blocking(move || {
        Command::new("timeout")
            .arg("5")
            .arg("knxtool")
            .args(&args)
            .stdout(Stdio::null())
            .status()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(status.success(), "knxtool failed: {status}");
}

/// An individual address as KNX writes it: `1.1.2`.
pub fn individual(address: u16) -> String {
    format!(
        "{}.{}.{}",
        address >> 12,
        (address >> 8) & 0x0F,
        address & 0xFF
    )
}
