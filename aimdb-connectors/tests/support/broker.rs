//! A private mosquitto for one test (or benchmark): its own free port on 127.0.0.1, its own
//! config in a temp directory, killed when dropped. [`Broker::start`] lets anyone in;
//! [`Broker::start_secured`] enforces an ACL (the one `aimdb acl` writes for a topology)
//! with one random password per user, as `scripts/broker.sh` does.

use std::io::ErrorKind;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const INSTALL: &str = "apt-get install mosquitto mosquitto-clients";

/// The broker's `message_size_limit`: the connectors' default payload limit (4096 bytes,
/// `MqttConfig::max_payload`) plus headroom, as `scripts/broker.sh` sets it. mosquitto
/// refuses a publish with a larger payload at the broker, so no subscriber ever gets one.
#[allow(dead_code)]
pub const MESSAGE_SIZE_LIMIT: usize = 4096 + 1024;

/// A running (or, between `kill` and `restart`, stopped) mosquitto.
pub struct Broker {
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    /// The port of its MQTT-over-WebSocket listener, on `lo` only, if it has one
    /// ([`start_secured_websockets`](Broker::start_secured_websockets)).
    #[allow(dead_code)]
    pub ws_port: Option<u16>,
    child: Option<Child>,
    dir: PathBuf,
    /// The users of a secured broker and their passwords.
    logins: Vec<(String, String)>,
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
    /// Start mosquitto on a free port, open to anonymous clients, and wait until it accepts
    /// connections.
    /// Payloads above [`MESSAGE_SIZE_LIMIT`] are refused by the broker.
    #[allow(dead_code)] // tests of a secured broker do not use it
    pub fn start() -> Broker {
        Self::start_with("allow_anonymous true\n", Vec::new(), |_| {})
    }

    /// Like [`start`](Broker::start), but without a `message_size_limit`: the broker takes
    /// and delivers payloads of any size (for tests of what a client does with one).
    #[allow(dead_code)]
    pub fn start_without_size_limit() -> Broker {
        Self::start_with(
            "allow_anonymous true\nmessage_size_limit 0\n",
            Vec::new(),
            |_| {},
        )
    }

    /// Like [`start`](Broker::start), with mosquitto's log in a file ([`log`](Broker::log)):
    /// what the broker saw of each client (a clean DISCONNECT or a dropped connection).
    #[allow(dead_code)]
    pub fn start_logging() -> Broker {
        Self::start_with(
            "allow_anonymous true\nlog_dest file log\nlog_type all\nlog_timestamp false\n",
            Vec::new(),
            |_| {},
        )
    }

    /// Like [`start`](Broker::start), with persistence: sessions, subscriptions and queued
    /// QoS 1 messages are written to the broker's directory after every change
    /// (`autosave_on_changes`, `autosave_interval 1`), so they survive a SIGKILL and a
    /// [`restart`](Broker::restart), as with `scripts/broker.sh`.
    #[allow(dead_code)]
    pub fn start_persistent() -> Broker {
        Self::start_with(
            "allow_anonymous true\npersistence true\npersistence_location store/\n\
             autosave_on_changes true\nautosave_interval 1\n",
            Vec::new(),
            |_| {},
        )
    }

    /// The broker's log so far (empty unless started with [`start_logging`](Broker::start_logging)).
    #[allow(dead_code)]
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("mosquitto.log")).unwrap_or_default()
    }

    /// Start mosquitto enforcing `acl` (mosquitto `acl_file` text): no anonymous clients,
    /// a random password for each of `users`, and `use_username_as_clientid`, so a
    /// client's id is its user name. The broker also publishes its `$SYS` topics every
    /// second (a topic nobody's ACL grants). The logins are [`password`](Broker::password)
    /// and, as `USER=PASSWORD` lines, [`credentials_file`](Broker::credentials_file).
    #[allow(dead_code)] // not every test binary including this file secures its broker
    pub fn start_secured(acl: &str, users: &[&str]) -> Broker {
        Self::secured(acl, users, "")
    }

    /// A secured broker with `extra` settings.
    fn secured(acl: &str, users: &[&str], extra: &str) -> Broker {
        let logins: Vec<(String, String)> = users
            .iter()
            .map(|user| ((*user).to_owned(), random_password()))
            .collect();
        let settings = format!(
            "use_username_as_clientid true\nallow_anonymous false\n\
             password_file passwd\nacl_file acl\nsys_interval 1\n{extra}"
        );
        Self::start_with(&settings, logins, |broker| broker.write_security(acl))
    }

    /// Like [`start_secured`](Broker::start_secured), with an MQTT-over-WebSocket listener
    /// beside the TCP one ([`ws_port`](Broker::ws_port)), for browser nodes. mosquitto
    /// 2.0.11 (libwebsockets) reads a websockets listener's address as an interface name:
    /// it is bound to `lo` (written `127.0.0.1`, the lookup fails and it silently listens
    /// on every interface), and it needs the TCP listener beside it.
    #[allow(dead_code)]
    pub fn start_secured_websockets(acl: &str, users: &[&str]) -> Broker {
        Self::secured(acl, users, "WEBSOCKETS\n")
    }

    fn start_with(
        settings: &str,
        logins: Vec<(String, String)>,
        prepare: impl FnOnce(&Broker),
    ) -> Broker {
        let port = free_port();
        // The websockets listener goes last: `protocol` applies to the listener above it.
        let ws_port = settings.contains("WEBSOCKETS\n").then(free_port);
        let settings = settings.replace("WEBSOCKETS\n", "");
        let websockets = ws_port.map_or(String::new(), |ws| {
            format!("listener {ws} lo\nprotocol websockets\n")
        });
        let dir =
            std::env::temp_dir().join(format!("aimdb-mosquitto-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the broker's temp dir");
        // Files named in the settings are in the broker's directory.
        let settings = settings
            .replace(
                "password_file passwd",
                &format!("password_file {}", dir.join("passwd").display()),
            )
            .replace(
                "acl_file acl",
                &format!("acl_file {}", dir.join("acl").display()),
            )
            .replace(
                "log_dest file log",
                &format!("log_dest file {}", dir.join("mosquitto.log").display()),
            )
            .replace(
                "persistence_location store/",
                &format!("persistence_location {}/", dir.join("store").display()),
            );
        if settings.contains("persistence true") {
            // mosquitto started as root runs as user `mosquitto`: let it write its store.
            use std::os::unix::fs::PermissionsExt;
            let store = dir.join("store");
            std::fs::create_dir_all(&store).expect("create the broker's store");
            std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o777))
                .expect("make the store writable");
        }
        let persistence = if settings.contains("persistence true") {
            ""
        } else {
            "persistence false\n"
        };
        // `max_queued_messages`: mosquitto drops QoS 1 messages beyond 1000 queued for one
        // subscriber by default; a 10,000-value burst can exceed that on a loaded machine,
        // and the tests are about the connector, not that broker limit.
        // The size limit from the payload limit, unless the settings give their own.
        let limit = if settings.contains("message_size_limit") {
            String::new()
        } else {
            format!("message_size_limit {MESSAGE_SIZE_LIMIT}\n")
        };
        let log = if settings.contains("log_dest") {
            // mosquitto started as root runs as user `mosquitto`: let it write its log.
            use std::os::unix::fs::PermissionsExt;
            let file = dir.join("mosquitto.log");
            std::fs::write(&file, "").expect("create the broker's log");
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666))
                .expect("make the log writable");
            ""
        } else {
            "log_dest none\n"
        };
        let config = format!(
            "listener {port} 127.0.0.1\n{settings}{limit}{persistence}\
             max_queued_messages 100000\n{log}{websockets}"
        );
        std::fs::write(dir.join("mosquitto.conf"), config).expect("write mosquitto.conf");
        let mut broker = Broker {
            port,
            ws_port,
            child: None,
            dir,
            logins,
        };
        prepare(&broker);
        broker.restart();
        broker
    }

    /// Write the ACL, the password file (hashed in place by `mosquitto_passwd -U`, so no
    /// password is on a command line) and the plaintext credentials file (mode 600).
    fn write_security(&self, acl: &str) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(self.dir.join("acl"), acl).expect("write the ACL");
        let private = |name: &str, text: String| {
            let path = self.dir.join(name);
            std::fs::write(&path, text).expect("write a credentials file");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .expect("chmod 600");
            path
        };
        let lines = |separator: char| -> String {
            self.logins
                .iter()
                .map(|(user, password)| format!("{user}{separator}{password}\n"))
                .collect()
        };
        private("credentials", lines('='));
        let passwd = private("passwd", lines(':'));
        let hashed = Command::new("mosquitto_passwd")
            .arg("-U")
            .arg(&passwd)
            .output();
        match hashed {
            Ok(output) => assert!(
                output.status.success(),
                "mosquitto_passwd -U failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(error) if error.kind() == ErrorKind::NotFound => {
                panic!("mosquitto_passwd not found; these tests need it: {INSTALL}")
            }
            Err(error) => panic!("cannot run mosquitto_passwd: {error}"),
        }
        // Started as root, mosquitto drops to its own user before it reads the password
        // file; elsewhere this fails harmlessly and mosquitto reads it as us.
        if let Some(uid) = mosquitto_uid() {
            let _ = std::os::unix::fs::chown(&passwd, Some(uid), None);
        }
    }

    /// The password of `user` on a secured broker.
    #[allow(dead_code)]
    pub fn password(&self, user: &str) -> &str {
        self.logins
            .iter()
            .find(|(name, _)| name == user)
            .map(|(_, password)| password.as_str())
            .unwrap_or_else(|| panic!("the broker has no user `{user}`"))
    }

    /// The plaintext logins of a secured broker, one `USER=PASSWORD` line each (mode 600),
    /// for firmware to read through semihosting (`-append "mqtt-credentials=FILE"`).
    #[allow(dead_code)]
    pub fn credentials_file(&self) -> PathBuf {
        self.dir.join("credentials")
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
            let ws_up = self
                .ws_port
                .is_none_or(|ws| TcpStream::connect(("127.0.0.1", ws)).is_ok());
            if ws_up && TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
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

    /// Send mosquitto a signal (`"STOP"`, `"CONT"`): SIGSTOP hangs it with every TCP
    /// connection left open, as a hung broker does.
    #[allow(dead_code)]
    pub fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("the broker is running");
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
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

/// The uid of the `mosquitto` user, if there is one.
fn mosquitto_uid() -> Option<u32> {
    let users = std::fs::read_to_string("/etc/passwd").ok()?;
    users
        .lines()
        .find_map(|line| line.strip_prefix("mosquitto:"))
        .and_then(|rest| rest.split(':').nth(1))
        .and_then(|uid| uid.parse().ok())
}

/// 128 random bits from the OS, as 32 hex digits.
#[allow(dead_code)]
pub fn random_password() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .expect("read /dev/urandom");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
