//! Building the images of the `firmware/` workspace for the tests that boot them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use super::QemuError;

/// The Cortex-M4F target every firmware crate is built for (`firmware/.cargo/config.toml`).
pub const TARGET: &str = "thumbv7em-none-eabihf";

/// Variables a surrounding `cargo test` (or the user's shell) may set that would send the
/// nested firmware build elsewhere or strip its `-Tlink.x` link argument.
const HOST_BUILD_VARIABLES: &[&str] = &[
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "RUSTFLAGS",
];

/// A firmware crate of the `firmware/` workspace.
#[derive(Debug)]
pub struct Firmware;

impl Firmware {
    /// The `firmware/` workspace of this repository.
    pub fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("tests/ sits inside the repository")
            .join("firmware")
    }

    /// The firmware workspace's own target directory (never the host's `CARGO_TARGET_DIR`,
    /// so host and firmware builds do not invalidate each other).
    pub fn target_dir() -> PathBuf {
        Self::workspace().join("target")
    }

    /// Build firmware crate `name` (`cargo build --release -p NAME` in `firmware/`) and
    /// return the path of its ELF image.
    ///
    /// Each crate is built at most once per test process; cargo makes an up-to-date image a
    /// no-op anyway (about 0.1 s).
    pub fn build(name: &str) -> Result<PathBuf, QemuError> {
        Self::build_with_features(name, &[])
    }

    /// Build firmware crate `name` with cargo `features` (`schema-v2`). An image
    /// with features gets a target directory of its own (`target/features-..`), so it never
    /// overwrites the plain image another test process may be booting.
    pub fn build_with_features(name: &str, features: &[&str]) -> Result<PathBuf, QemuError> {
        static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
        let built = BUILT.get_or_init(Default::default);
        // Held across the build: two tests asking for the same image build it once.
        let mut built = built
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let id = std::format!("{name} {}", features.join(","));
        if let Some(elf) = built.get(&id) {
            return Ok(elf.clone());
        }
        let elf = Self::cargo_build(name, features)?;
        built.insert(id, elf.clone());
        Ok(elf)
    }

    fn cargo_build(name: &str, features: &[&str]) -> Result<PathBuf, QemuError> {
        let workspace = Self::workspace();
        if !workspace.join(name).join("Cargo.toml").is_file() {
            return Err(QemuError::Build(format!(
                "there is no firmware crate `{name}` in {}",
                workspace.display()
            )));
        }
        // `CARGO` is the cargo running this test; plain `cargo` when run some other way.
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .current_dir(&workspace)
            .args(["build", "--release", "--quiet", "-p", name]);
        for variable in HOST_BUILD_VARIABLES {
            command.env_remove(variable);
        }
        let target_dir = match features {
            [] => Self::target_dir(),
            _ => Self::target_dir().join(std::format!(
                "features-{}",
                features.join("-").replace(['/', ','], "-")
            )),
        };
        if !features.is_empty() {
            command.args(["--features", &features.join(",")]);
        }
        command.env("CARGO_TARGET_DIR", &target_dir);
        let output = command
            .output()
            .map_err(|e| QemuError::Build(format!("could not run cargo: {e}")))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let hint = if stderr.contains("can't find crate for `core`")
                || stderr.contains("target may not be installed")
            {
                format!("\nhint: rustup target add {TARGET}")
            } else {
                String::new()
            };
            return Err(QemuError::Build(format!(
                "cargo build --release -p {name} in {} failed ({}):\n{stderr}{hint}",
                workspace.display(),
                output.status
            )));
        }
        let elf = target_dir.join(TARGET).join("release").join(name);
        if !elf.is_file() {
            return Err(QemuError::Build(format!(
                "cargo reported success but {} does not exist",
                elf.display()
            )));
        }
        Ok(elf)
    }
}
