//! Booting firmware images in QEMU (`mps2-an386`, Cortex-M4F) from host tests.
//!
//! ```no_run
//! use std::time::Duration;
//! use aimdb_tests::qemu::{Firmware, Qemu};
//!
//! let elf = Firmware::build("hello").unwrap();
//! let mut serial = Qemu::boot(&elf).unwrap(); // UART0 <-> a TCP stream
//! let line = serial.read_line(Duration::from_secs(5)).unwrap();
//! let status = serial.wait_exit(Duration::from_secs(5)).unwrap(); // semihosting exit code
//! ```
//!
//! The harness listens on an ephemeral 127.0.0.1 port and QEMU connects UART0 to it
//! (`-serial tcp:127.0.0.1:PORT,nodelay=on`), so there is no port to guess and no connect
//! retry. [`Qemu::boot_serial_to`] instead points UART0 at another listener (a broker).
//!
//! No QEMU outlives its test: dropping the handle kills it, a watchdog shell kills it if
//! the test process dies first, and every QEMU has a maximum lifetime.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

mod firmware;

pub use firmware::{Firmware, TARGET};

/// The emulator binary, unless `AIMDB_QEMU` names another one.
pub const QEMU: &str = "qemu-system-arm";

/// The emulator to run: `$AIMDB_QEMU` if set (a QEMU outside `PATH`), else [`QEMU`].
pub fn qemu_binary() -> std::ffi::OsString {
    std::env::var_os("AIMDB_QEMU").unwrap_or_else(|| QEMU.into())
}

/// The one QEMU command line (`scripts/qemu-mps2.sh`), which the demo, the soak and
/// mcu-cost.sh boot through as well; it `exec`s QEMU, so the child is QEMU itself.
static BOOT_SCRIPT: std::sync::LazyLock<std::path::PathBuf> = std::sync::LazyLock::new(|| {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/qemu-mps2.sh")
});

/// Whether [`qemu_binary`] can be run: a path that exists, or a name found on `PATH`.
fn qemu_installed() -> bool {
    let binary = qemu_binary();
    let binary = Path::new(&binary);
    if binary.components().count() > 1 {
        return binary.is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(binary).is_file()))
}

/// How long a QEMU may live at most, whatever the test does.
pub const MAX_LIFETIME: Duration = Duration::from_secs(120);

/// How long [`Qemu::boot`] waits for QEMU to connect UART0.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What went wrong building, booting or talking to firmware.
pub enum QemuError {
    /// `qemu-system-arm` is not installed.
    QemuMissing,
    /// The firmware did not build.
    Build(String),
    /// QEMU could not be started or stopped, or a socket failed.
    Io(String),
    /// Nothing (or no full line) within the time allowed.
    Timeout {
        /// What was being waited for.
        waiting_for: &'static str,
        /// The time allowed.
        after: Duration,
        /// Bytes received since the last full line.
        partial: String,
    },
    /// QEMU closed UART0 or exited. `status` is its exit code (the firmware's semihosting
    /// exit code) if it exited normally.
    Exited {
        /// QEMU's exit code, if it has one.
        status: Option<i32>,
        /// What QEMU wrote on stdout and stderr.
        output: String,
    },
}

impl fmt::Display for QemuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QemuError::QemuMissing => write!(
                f,
                "{} is not installed; install it with `apt-get install qemu-system-arm` \
                 (the QEMU tests boot real firmware and cannot run without it)",
                qemu_binary().to_string_lossy()
            ),
            QemuError::Build(message) => write!(f, "firmware build failed: {message}"),
            QemuError::Io(message) => write!(f, "QEMU harness: {message}"),
            QemuError::Timeout {
                waiting_for,
                after,
                partial,
            } => write!(
                f,
                "timed out after {after:?} waiting for {waiting_for} (partial line: {partial:?})"
            ),
            QemuError::Exited { status, output } => {
                write!(f, "QEMU exited (status {status:?}); its output:\n{output}")
            }
        }
    }
}

// `Debug` is what a test returning `Result` prints: make it the readable message.
impl fmt::Debug for QemuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for QemuError {}

fn io_error(context: &str) -> impl FnOnce(io::Error) -> QemuError + '_ {
    move |e| QemuError::Io(format!("{context}: {e}"))
}

/// A running QEMU. Killed when dropped.
pub struct Qemu {
    child: Child,
    watchdog: Option<Child>,
    /// stdout and stderr of QEMU, collected by two threads (semihosting console output and
    /// QEMU's own errors).
    output: Arc<Mutex<Vec<u8>>>,
    booted_at: Instant,
}

impl Qemu {
    /// Boot `elf` with UART0 connected to the returned stream.
    pub fn boot(elf: &Path) -> Result<QemuSerial, QemuError> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(io_error("binding 127.0.0.1"))?;
        let addr = listener.local_addr().map_err(io_error("local_addr"))?;
        let mut qemu = Self::boot_serial_to(elf, addr)?;
        let stream = qemu.accept(&listener)?;
        Ok(QemuSerial {
            qemu,
            stream,
            pending: Vec::new(),
        })
    }

    /// Boot `elf` with UART0 connected to whatever listens at `addr` (a broker, a serial
    /// connector's host side). The listener must be up before this is called: QEMU connects
    /// once, at start-up, and quits if that fails.
    pub fn boot_serial_to(elf: &Path, addr: SocketAddr) -> Result<Qemu, QemuError> {
        Self::boot_serial_with(elf, addr, "")
    }

    /// [`boot_serial_to`](Qemu::boot_serial_to) with more options for QEMU's `-serial
    /// tcp:` character device, e.g. `",reconnect=1"`: QEMU then starts even if nothing
    /// listens yet, connects in the background, and dials again (every second) whenever the
    /// connection breaks, so firmware survives a broker restart.
    pub fn boot_serial_with(
        elf: &Path,
        addr: SocketAddr,
        serial_options: &str,
    ) -> Result<Qemu, QemuError> {
        Self::boot_serial_with_cmdline(elf, addr, serial_options, "")
    }

    /// [`boot_serial_with`](Qemu::boot_serial_with), handing the firmware `cmdline` as
    /// QEMU's `-append` (unless empty), which the firmware reads through semihosting
    /// (`SYS_GET_CMDLINE`). The climate and setpoint firmware take
    /// `mqtt-credentials=FILE` there: the host file holding their MQTT login
    /// (`board_mps2::login`). QEMU splits the line at spaces.
    pub fn boot_serial_with_cmdline(
        elf: &Path,
        addr: SocketAddr,
        serial_options: &str,
        cmdline: &str,
    ) -> Result<Qemu, QemuError> {
        if !elf.is_file() {
            return Err(QemuError::Io(format!(
                "no firmware image at {}",
                elf.display()
            )));
        }
        if !qemu_installed() {
            return Err(QemuError::QemuMissing);
        }
        let serial = format!("tcp:{addr},nodelay=on{serial_options}");
        let mut child = Command::new(BOOT_SCRIPT.as_path())
            .args(["--serial", &serial])
            .arg(elf)
            .args(cmdline.split(' ').filter(|word| !word.is_empty()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => QemuError::QemuMissing,
                _ => QemuError::Io(format!("starting {}: {e}", BOOT_SCRIPT.display())),
            })?;
        let output = Arc::new(Mutex::new(Vec::new()));
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let output = Arc::clone(&output);
            thread::spawn(move || collect(pipe, &output));
        }
        let watchdog = spawn_watchdog(child.id());
        Ok(Qemu {
            child,
            watchdog,
            output,
            booted_at: Instant::now(),
        })
    }

    /// QEMU's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// When QEMU was started.
    pub fn booted_at(&self) -> Instant {
        self.booted_at
    }

    /// What QEMU printed so far (stdout and stderr, interleaved).
    pub fn output(&self) -> String {
        let output = self.output.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&output).into_owned()
    }

    /// Wait for the firmware to end QEMU and return the exit code it passed to semihosting.
    /// QEMU is killed if it is still running after `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<i32, QemuError> {
        let deadline = Instant::now() + timeout;
        loop {
            match self
                .child
                .try_wait()
                .map_err(io_error("waiting for QEMU"))?
            {
                Some(status) => {
                    return status.code().ok_or_else(|| QemuError::Exited {
                        status: None,
                        output: format!("killed by a signal ({status})\n{}", self.output()),
                    });
                }
                None if Instant::now() >= deadline => {
                    self.kill();
                    return Err(QemuError::Timeout {
                        waiting_for: "QEMU to exit",
                        after: timeout,
                        partial: self.output(),
                    });
                }
                None => thread::sleep(Duration::from_millis(10)),
            }
        }
    }

    /// Stop QEMU now (idempotent).
    pub fn kill(&mut self) {
        // Errors mean it already exited; `wait` reaps it either way.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }

    /// The exit status if QEMU has already exited.
    fn exited(&mut self) -> Option<Option<i32>> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.code()),
            _ => None,
        }
    }

    fn accept(&mut self, listener: &TcpListener) -> Result<TcpStream, QemuError> {
        listener
            .set_nonblocking(true)
            .map_err(io_error("listener"))?;
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).map_err(io_error("stream"))?;
                    stream.set_nodelay(true).map_err(io_error("stream"))?;
                    return Ok(stream);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(QemuError::Io(format!("accepting QEMU's UART0: {e}"))),
            }
            if let Some(status) = self.exited() {
                return Err(QemuError::Exited {
                    status,
                    output: self.output(),
                });
            }
            if Instant::now() >= deadline {
                return Err(QemuError::Timeout {
                    waiting_for: "QEMU to connect UART0",
                    after: CONNECT_TIMEOUT,
                    partial: self.output(),
                });
            }
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Qemu {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Copy a pipe into `output` until it closes.
fn collect(mut pipe: Box<dyn Read + Send>, output: &Mutex<Vec<u8>>) {
    let mut chunk = [0u8; 1024];
    while let Ok(n @ 1..) = pipe.read(&mut chunk) {
        output
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(&chunk[..n]);
    }
}

/// A shell that SIGKILLs QEMU `pid` when this test process dies or [`MAX_LIFETIME`] passes,
/// and exits by itself as soon as QEMU is gone. `None` if there is no `sh` (then only `Drop`
/// protects against strays).
fn spawn_watchdog(pid: u32) -> Option<Child> {
    let polls = MAX_LIFETIME.as_millis() / 200;
    let script = format!(
        "n=0; while kill -0 {pid} 2>/dev/null && kill -0 {parent} 2>/dev/null \
         && [ $n -lt {polls} ]; do sleep 0.2; n=$((n+1)); done; kill -9 {pid} 2>/dev/null",
        parent = std::process::id(),
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

/// A booted firmware with its UART0 as a TCP stream.
pub struct QemuSerial {
    qemu: Qemu,
    stream: TcpStream,
    /// Bytes read past the last line returned.
    pending: Vec<u8>,
}

impl QemuSerial {
    /// The next line UART0 sends, without its `\n` (and any `\r`), within `timeout`.
    pub fn read_line(&mut self, timeout: Duration) -> Result<String, QemuError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.pending.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(QemuError::Timeout {
                    waiting_for: "a line on UART0",
                    after: timeout,
                    partial: String::from_utf8_lossy(&self.pending).into_owned(),
                });
            }
            self.stream
                .set_read_timeout(Some(left))
                .map_err(io_error("socket"))?;
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    // UART0 closed: QEMU is exiting. Give it a moment to report its status.
                    let status = self.qemu.wait_exit(Duration::from_secs(2)).ok();
                    return Err(QemuError::Exited {
                        status,
                        output: self.qemu.output(),
                    });
                }
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(QemuError::Io(format!("reading UART0: {e}"))),
            }
        }
    }

    /// Send bytes to the firmware's UART0.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), QemuError> {
        self.stream
            .write_all(bytes)
            .map_err(io_error("writing UART0"))
    }

    /// The raw UART0 stream, for protocols that are not line-based (COBS frames, MQTT).
    /// Bytes already buffered by [`read_line`](Self::read_line) are not in it.
    pub fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    /// Wait for the firmware to end QEMU; see [`Qemu::wait_exit`].
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<i32, QemuError> {
        self.qemu.wait_exit(timeout)
    }

    /// The QEMU process behind this stream.
    pub fn qemu(&mut self) -> &mut Qemu {
        &mut self.qemu
    }
}
