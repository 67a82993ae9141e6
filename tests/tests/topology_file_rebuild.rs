//! Editing a topology file rebuilds the crate that uses it: a probe crate (made under the
//! target directory, with a path dependency on `aimdb`) emits a node from `system.toml` and
//! prints its ring's capacity and RAM constant. Built, the ring's capacity edited, built
//! again: cargo recompiles the probe (its "Compiling" line) and the new binary prints the new
//! figures; a third build with no edit compiles nothing.
//!
//! The probe has its own target directory under this test's, kept between runs, so only the
//! first run builds `aimdb` and tokio for it.

mod cli_support;

use std::path::Path;
use std::process::Command;

use cli_support::{cargo, repo, target_dir};

const MAIN: &str = r#"
#[derive(Clone, Copy, Debug)]
pub struct Temperature {
    pub celsius: f32,
}

async fn read_temperature_loop(producer: aimdb::Producer<'static, Temperature>) {
    producer.produce(Temperature { celsius: 21.5 });
}

aimdb::topology!(file = "system.toml", node = "probe");

fn main() {
    println!("capacity={} ram={}", probe::READING.capacity(), probe::ram::TOTAL);
}
"#;

fn system(capacity: usize) -> String {
    format!(
        "[records.reading]\nkey = \"probe/reading\"\ntype = \"Temperature\"\n\n\
         [nodes.probe]\nruntime = \"tokio\"\n\n\
         [nodes.probe.records.reading]\nbuffer = {{ kind = \"SpmcRing\", capacity = {capacity} }}\n\
         source = \"read_temperature_loop\"\n"
    )
}

/// `cargo build` in the probe; returns cargo's stderr (where its "Compiling" lines go).
fn build(dir: &Path) -> String {
    let output = cargo()
        .args(["build", "--color", "never"])
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTFLAGS")
        .current_dir(dir)
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "the probe does not build:\n{stderr}"
    );
    stderr
}

fn run(dir: &Path) -> String {
    let output = Command::new(dir.join("target/debug/aimdb-rebuild-probe"))
        .output()
        .expect("the probe runs");
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn editing_the_topology_file_rebuilds_the_crate() {
    let dir = target_dir().join("aimdb-rebuild-probe");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let aimdb = repo().join("aimdb");
    // `[workspace]`: the probe is its own workspace even when the target dir is inside ours.
    let manifest = format!(
        "[package]\nname = \"aimdb-rebuild-probe\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\naimdb = {{ path = {:?}, features = [\"tokio\"] }}\n\n[workspace]\n",
        aimdb.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    // The workspace's lock file: the same versions, nothing new to resolve.
    std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::write(dir.join("src/main.rs"), MAIN).unwrap();

    std::fs::write(dir.join("system.toml"), system(16)).unwrap();
    build(&dir);
    let before = run(&dir);
    assert!(before.starts_with("capacity=16 ram="), "{before}");

    // Only the topology file changes.
    std::fs::write(dir.join("system.toml"), system(64)).unwrap();
    let rebuilt = build(&dir);
    assert!(
        rebuilt.contains("Compiling aimdb-rebuild-probe"),
        "cargo did not recompile the probe:\n{rebuilt}"
    );
    let after = run(&dir);
    assert!(after.starts_with("capacity=64 ram="), "{after}");
    let ram = |line: &str| line.rsplit('=').next().unwrap().parse::<usize>().unwrap();
    assert!(
        ram(&after) > ram(&before),
        "the ring's RAM grew: {before} -> {after}"
    );

    let unchanged = build(&dir);
    assert!(
        !unchanged.contains("Compiling aimdb-rebuild-probe"),
        "no edit, no rebuild:\n{unchanged}"
    );
    println!("rebuild on topology edit: {before} -> {after}");
}
