//! The MQTT login, from the host at run time: never built into the image, never in the repo.
//!
//! QEMU gives the firmware a command line through semihosting (`SYS_GET_CMDLINE`): the
//! image's path followed by the words of `-append "..."`. One of them names a file on the
//! host holding the credentials:
//!
//! ```text
//! qemu-system-arm ... -semihosting-config enable=on,target=native -kernel sensor.elf \
//!     -append "mqtt-credentials=/abs/path/target/mosquitto/credentials [mqtt-user=NAME]"
//! ```
//!
//! The firmware opens that file through semihosting (`SYS_OPEN`, `SYS_FLEN`, `SYS_READ`,
//! `SYS_CLOSE`; QEMU reads it as the user running QEMU, so it can stay mode 600) and takes
//! the line `USER=PASSWORD` of its user: `mqtt-user=` if given, else the node's name. The
//! file is the one `scripts/broker-credentials.sh` writes: `#` comments, one `NODE=PASSWORD`
//! line per node. The password is never on QEMU's command line (where `ps` would show it).
//! Without `mqtt-credentials=` the login is [`Login::Anonymous`], as before.
//!
//! The command line and the file are read once, into static buffers
//! ([`CMDLINE_MAX`], [`FILE_MAX`] bytes); the strings handed out borrow them for ever.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

/// The longest command line read (longer ones are cut; the words after the cut are lost).
pub const CMDLINE_MAX: usize = 256;
/// The largest credentials file read.
pub const FILE_MAX: usize = 512;
/// The longest host path the firmware can open.
const PATH_MAX: usize = 192;

const SYS_OPEN: usize = 0x01;
const SYS_CLOSE: usize = 0x02;
const SYS_READ: usize = 0x06;
const SYS_FLEN: usize = 0x0c;
const SYS_GET_CMDLINE: usize = 0x15;
/// `SYS_OPEN` mode 1: `"rb"`.
const OPEN_READ_BINARY: usize = 1;

/// How the firmware logs in to the broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Login {
    /// No `mqtt-credentials=` on the command line: connect anonymously.
    Anonymous,
    /// The login read from the host.
    Found {
        /// The MQTT user name.
        username: &'static str,
        /// The password.
        password: &'static str,
        /// The host file it came from.
        file: &'static str,
    },
    /// `mqtt-credentials=` was given but no login came of it.
    Failed {
        /// The host file named.
        file: &'static str,
        /// Why, in a few words (no secret in it).
        reason: &'static str,
    },
}

/// A buffer filled once, then only read.
struct Once<const N: usize> {
    taken: AtomicBool,
    bytes: UnsafeCell<[u8; N]>,
}

// SAFETY: `bytes` is written only by the one caller that wins `taken`, before any shared
// reference to it is handed out; afterwards it is only read.
unsafe impl<const N: usize> Sync for Once<N> {}

impl<const N: usize> Once<N> {
    const fn new() -> Self {
        Once {
            taken: AtomicBool::new(false),
            bytes: UnsafeCell::new([0; N]),
        }
    }

    /// Fill the buffer with `fill` (returning the length used) the first time; `None`
    /// on every later call or if `fill` fails.
    fn fill(
        &'static self,
        fill: impl FnOnce(&mut [u8; N]) -> Option<usize>,
    ) -> Option<&'static [u8]> {
        if self.taken.swap(true, Ordering::AcqRel) {
            return None;
        }
        // SAFETY: the flag above makes this the only access that ever writes, and no
        // reference to the buffer exists yet.
        let bytes = unsafe { &mut *self.bytes.get() };
        let len = fill(bytes)?.min(N);
        let bytes: &'static [u8; N] = bytes;
        Some(&bytes[..len])
    }
}

static CMDLINE: Once<CMDLINE_MAX> = Once::new();
static FILE: Once<FILE_MAX> = Once::new();

/// A semihosting call with a parameter block the host may write to.
fn call(operation: usize, block: &mut [usize]) -> isize {
    // SAFETY: each caller passes the parameter block its operation takes; the block and
    // the buffers it points to live on the caller's stack or in statics for the call.
    unsafe { cortex_m_semihosting::syscall1(operation, block.as_mut_ptr() as usize) as isize }
}

/// The command line QEMU passes (`SYS_GET_CMDLINE`), read once; `None` on a second call,
/// without semihosting, or if it is not UTF-8.
pub fn cmdline() -> Option<&'static str> {
    let bytes = CMDLINE.fill(|buffer| {
        let mut block = [buffer.as_mut_ptr() as usize, CMDLINE_MAX];
        (call(SYS_GET_CMDLINE, &mut block) == 0).then_some(block[1])
    })?;
    core::str::from_utf8(bytes).ok()
}

/// The value of the first `key=value` word of `cmdline`.
pub fn word<'a>(cmdline: &'a str, key: &str) -> Option<&'a str> {
    cmdline.split_ascii_whitespace().find_map(|word| {
        word.strip_prefix(key)
            .and_then(|rest| rest.strip_prefix('='))
    })
}

/// The password of `user` in a credentials file's text: the rest of its `USER=` line.
pub fn password_in<'a>(text: &'a str, user: &str) -> Option<&'a str> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            line.strip_prefix(user)
                .and_then(|rest| rest.strip_prefix('='))
        })
        .map(|password| password.trim_end_matches('\r'))
}

/// Read host file `path` whole (once per program: one static buffer).
fn read_host_file(path: &str) -> Result<&'static [u8], &'static str> {
    if path.len() > PATH_MAX {
        return Err("the path is too long");
    }
    // NUL-terminated, as SYS_OPEN wants it.
    let mut name = [0u8; PATH_MAX + 1];
    name[..path.len()].copy_from_slice(path.as_bytes());
    let mut open = [name.as_mut_ptr() as usize, OPEN_READ_BINARY, path.len()];
    let handle = call(SYS_OPEN, &mut open);
    if handle < 0 {
        return Err("cannot open the file");
    }
    let handle = handle as usize;
    let mut reason = "";
    let bytes = FILE.fill(|buffer| {
        let length = call(SYS_FLEN, &mut [handle]);
        if length < 0 || length as usize > FILE_MAX {
            reason = "the file is larger than FILE_MAX";
            return None;
        }
        let length = length as usize;
        let mut read = [handle, buffer.as_mut_ptr() as usize, length];
        // SYS_READ returns the number of bytes *not* read.
        let left = call(SYS_READ, &mut read);
        if left != 0 {
            reason = "cannot read the file";
            return None;
        }
        Some(length)
    });
    call(SYS_CLOSE, &mut [handle]);
    bytes.ok_or(if reason.is_empty() {
        "the credentials were read already"
    } else {
        reason
    })
}

/// The MQTT login the host gives this firmware (see the [module docs](self)); `node` is the
/// user name unless the command line says `mqtt-user=`. Call it once, at boot.
pub fn mqtt(node: &'static str) -> Login {
    let Some(cmdline) = cmdline() else {
        return Login::Anonymous;
    };
    let Some(file) = word(cmdline, "mqtt-credentials") else {
        return Login::Anonymous;
    };
    let username = word(cmdline, "mqtt-user").unwrap_or(node);
    let text = match read_host_file(file) {
        Ok(bytes) => match core::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                return Login::Failed {
                    file,
                    reason: "the file is not UTF-8",
                };
            }
        },
        Err(reason) => return Login::Failed { file, reason },
    };
    match password_in(text, username) {
        Some(password) => Login::Found {
            username,
            password,
            file,
        },
        None => Login::Failed {
            file,
            reason: "no line for this node's user",
        },
    }
}

impl Login {
    /// Say on the semihosting console, after `tag`, how the firmware logs in (never the
    /// password), and give the user name and password to hand to the MQTT connector, if any.
    pub fn report(self, tag: &str) -> Option<(&'static str, &'static str)> {
        match self {
            Login::Found {
                username,
                password,
                file,
            } => {
                cortex_m_semihosting::hprintln!(
                    "{tag} MQTT login: user `{username}` (password from {file})"
                );
                Some((username, password))
            }
            Login::Anonymous => {
                cortex_m_semihosting::hprintln!(
                    "{tag} MQTT login: anonymous (no mqtt-credentials= on the command line)"
                );
                None
            }
            Login::Failed { file, reason } => {
                cortex_m_semihosting::hprintln!(
                    "{tag} MQTT login: {reason} ({file}); connecting anonymously"
                );
                None
            }
        }
    }
}
