//! Shared by the CLI and topology-file tests: the repository root, the target directory and
//! the built `aimdb` binary. Each test binary uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the repository root")
}

/// The target directory this test binary was built into (`<target>/debug/deps/<test>`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors()
        .nth(3)
        .expect("the test binary lives in <target>/<profile>/deps")
        .to_path_buf()
}

/// `cargo`, as the test was started with.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The `aimdb` binary: `AIMDB_CLI` if set, else built once with `cargo build -p aimdb-cli`
/// into this test's target directory.
pub fn aimdb() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("AIMDB_CLI") {
            return PathBuf::from(path);
        }
        let target = target_dir();
        let status = cargo()
            .args(["build", "--quiet", "-p", "aimdb-cli", "--bin", "aimdb"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(repo())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build -p aimdb-cli failed");
        target
            .join("debug")
            .join(format!("aimdb{}", std::env::consts::EXE_SUFFIX))
    })
}

/// What a run of `aimdb` printed, and its exit code.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run `aimdb ARGS` in the repository root.
pub fn run(args: &[&str]) -> Run {
    let output = Command::new(aimdb())
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the aimdb binary runs");
    Run {
        code: output.status.code().expect("aimdb exits with a code"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}
