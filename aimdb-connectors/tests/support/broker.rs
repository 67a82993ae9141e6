//! A private mosquitto for one test (or benchmark): its own free port on 127.0.0.1, its own
//! config in a temp directory, killed when dropped.

use std::io::ErrorKind;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const INSTALL: &str = "apt-get install mosquitto mosquitto-clients";

/// A running (or, between `kill` and `restart`, stopped) mosquitto.
pub struct Broker {
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    child: Option<Child>,
    dir: PathBuf,
}

/// The mosquitto executable: `$MOSQUITTO`, else `mosquitto` on `PATH`, else Debian's
/// `/usr/sbin/mosquitto` (sbin is often missing from a non-root `PATH`).
fn mosquitto_program() -> PathBuf {
    if let Some(path) = std::env::var_os("MOSQUITTO") {
        return path.into();
    }
    let on_path = Command::new("mosquitto")
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match on_path {
        Err(error) if error.kind() == ErrorKind::NotFound => PathBuf::from("/usr/sbin/mosquitto"),
        _ => PathBuf::from("mosquitto"),
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

impl Broker {
    /// Start mosquitto on a free port and wait until it accepts connections.
    pub fn start() -> Broker {
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("aimdb-mosquitto-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the broker's temp dir");
        // `max_queued_messages`: mosquitto drops QoS 1 messages beyond 1000 queued for one
        // subscriber by default; a 10,000-value burst can exceed that on a loaded machine,
        // and the tests are about the connector, not that broker limit.
        let config = format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n\
             max_queued_messages 100000\nlog_dest none\n"
        );
        std::fs::write(dir.join("mosquitto.conf"), config).expect("write mosquitto.conf");
        let mut broker = Broker {
            port,
            child: None,
            dir,
        };
        broker.restart();
        broker
    }

    /// Start mosquitto again on the same port (after [`kill`](Broker::kill)).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the broker is already running");
        let program = mosquitto_program();
        let child = Command::new(&program)
            .arg("-c")
            .arg(self.dir.join("mosquitto.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(error) if error.kind() == ErrorKind::NotFound => panic!(
                "mosquitto not found ({}); these tests need a real broker: {INSTALL}",
                program.display()
            ),
            Err(error) => panic!("cannot start {}: {error}", program.display()),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                break;
            }
            if let Some(status) = child.try_wait().expect("poll mosquitto") {
                let mut stderr = String::new();
                use std::io::Read;
                let _ = child
                    .stderr
                    .take()
                    .map(|mut e| e.read_to_string(&mut stderr));
                panic!("mosquitto exited at start ({status}): {stderr}");
            }
            assert!(
                Instant::now() < deadline,
                "mosquitto did not listen on port {} within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child = Some(child);
    }

    /// Kill mosquitto abruptly (SIGKILL): connections break without a DISCONNECT.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Publish one payload with `mosquitto_pub` at QoS 1 and wait for it to finish.
#[allow(dead_code)] // used by the tests, not by the benchmark
pub fn mosquitto_pub(port: u16, topic: &str, payload: &str) {
    let output = Command::new("mosquitto_pub")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-q", "1"])
        .args(["-t", topic, "-m", payload])
        .output();
    match output {
        Ok(output) => assert!(
            output.status.success(),
            "mosquitto_pub failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) if error.kind() == ErrorKind::NotFound => {
            panic!("mosquitto_pub not found; these tests need it: {INSTALL}")
        }
        Err(error) => panic!("cannot run mosquitto_pub: {error}"),
    }
}
