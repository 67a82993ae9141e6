//! `aimdb`: the topology compiler on the command line.
//!
//! ```text
//! aimdb check FILE                          every diagnostic, rendered like rustc; exit 1 on error
//! aimdb graph FILE [--format mermaid|dot|json]   the system as Mermaid (default), DOT or JSON
//! aimdb acl FILE [-o OUT]                   the mosquitto ACL the file implies (stdout or OUT)
//! ```
//!
//! The checks and messages are the ones `topology!(file = .., node = ..)` reports, from the
//! same library (`aimdb_compiler::check_file`).

use std::path::PathBuf;
use std::process::ExitCode;

use aimdb_compiler::System;
use aimdb_compiler::report;
use clap::{Parser, Subcommand, ValueEnum};

/// The topology compiler on the command line: check a topology file, draw its system, write
/// the broker ACL it implies. The checks are those `topology!(file = .., node = ..)` runs.
#[derive(Parser, Debug)]
#[command(name = "aimdb", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check a topology file: every diagnostic, rendered like rustc's; exit 1 on an error.
    Check {
        /// The topology file (TOML).
        file: PathBuf,
    },
    /// Draw the system a topology file describes.
    Graph {
        /// The topology file (TOML).
        file: PathBuf,
        /// The graph language.
        #[arg(long, value_enum, default_value_t = Format::Mermaid)]
        format: Format,
    },
    /// Write the mosquitto ACL the file implies: each node writes what it owns and reads
    /// what it observes, nothing else.
    Acl {
        /// The topology file (TOML).
        file: PathBuf,
        /// Write the ACL here instead of to stdout.
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
    },
}

/// A graph format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Mermaid (renders on GitHub).
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// JSON: nodes, record boxes, edges (what the dashboard page draws).
    Json,
}

fn main() -> ExitCode {
    // clap prints usage errors (with the usage line) and exits 2; `--help` and `--version`
    // exit 0.
    let cli = Cli::parse();
    match cli.command {
        Command::Check { file } => check(&display(&file)),
        Command::Graph { file, format } => graph(&display(&file), format),
        Command::Acl { file, output } => acl(&display(&file), output.as_deref()),
    }
}

/// A path as the diagnostics name it.
fn display(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// Read and check a file; print the diagnostics to stderr. `None` when it has errors.
fn load(path: &str) -> Option<System> {
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(error) => {
            eprintln!("error: cannot read `{path}`: {error}");
            return None;
        }
    };
    let (system, diagnostics) = aimdb_compiler::check_file(&source);
    for diagnostic in &diagnostics {
        eprintln!("{}", diagnostic.render(path, &source));
    }
    if !diagnostics.is_empty() {
        let count = diagnostics.len();
        let plural = if count == 1 { "" } else { "s" };
        eprintln!("error: `{path}` has {count} error{plural}");
        return None;
    }
    system
}

fn check(path: &str) -> ExitCode {
    let Some(system) = load(path) else {
        return ExitCode::FAILURE;
    };
    let records: usize = system.nodes.iter().map(|n| n.topology.records.len()).sum();
    let links: usize = system.nodes.iter().map(|n| n.links().len()).sum();
    println!(
        "{path}: ok — {} node{}, {} record{} declared, {records} used on nodes, {links} link end{}",
        system.nodes.len(),
        if system.nodes.len() == 1 { "" } else { "s" },
        system.records.len(),
        if system.records.len() == 1 { "" } else { "s" },
        if links == 1 { "" } else { "s" },
    );
    for node in &system.nodes {
        let target = node
            .target
            .as_ref()
            .map_or(String::new(), |t| format!(", {}", t.text));
        println!(
            "  node {} ({}{target}): {} record(s)",
            node.name(),
            node.runtime().name(),
            node.topology.records.len()
        );
    }
    for contract in report::contracts::contracts(&system) {
        if let Some(line) = contract_line(&contract) {
            println!(
                "  record {} ({}): {line}",
                contract.record, contract.value_type
            );
        }
    }
    ExitCode::SUCCESS
}

/// What `check` says about a record's contract; `None` for a record on raw codecs only.
fn contract_line(contract: &report::contracts::Contract) -> Option<String> {
    let codecs = if contract.codecs.is_empty() {
        String::new()
    } else {
        format!(" on {}", contract.codecs.join(", "))
    };
    let accepts = if contract.accepts.is_empty() {
        String::new()
    } else {
        format!("; accepts {}", contract.accepts.join(" -> "))
    };
    let constants = contract.constants.join(", ");
    let line = match contract.pinned {
        Some(pinned) => format!(
            "contract {pinned:016x}{codecs} (pinned here; each node's build checks its type against it){accepts}"
        ),
        None if !contract.codecs.is_empty() => format!(
            "contract unpinned{codecs}: the type's fingerprint is known once a node is built ({constants}); pin it with `contract = \"...\"`{accepts}"
        ),
        None => return None,
    };
    Some(line)
}

fn graph(path: &str, format: Format) -> ExitCode {
    let Some(system) = load(path) else {
        return ExitCode::FAILURE;
    };
    let text = match format {
        Format::Mermaid => report::mermaid::render(&system),
        Format::Dot => report::dot::render(&system),
        Format::Json => report::json::render(&system),
    };
    print!("{text}");
    ExitCode::SUCCESS
}

/// The mosquitto ACL of a checked file, on stdout or into `out`.
fn acl(path: &str, out: Option<&std::path::Path>) -> ExitCode {
    let Some(system) = load(path) else {
        return ExitCode::FAILURE;
    };
    let text = match report::acl::render(&system, path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    match out {
        None => print!("{text}"),
        Some(out) => {
            if let Err(error) = std::fs::write(out, &text) {
                eprintln!("error: cannot write `{}`: {error}", out.display());
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
