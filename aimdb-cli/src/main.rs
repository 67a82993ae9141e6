//! `aimdb`: the topology compiler on the command line.
//!
//! ```text
//! aimdb check FILE                          every diagnostic, rendered like rustc; exit 1 on error
//! aimdb graph FILE [--format mermaid|dot]   the system as a Mermaid (default) or DOT graph
//! aimdb acl FILE [-o OUT]                   the mosquitto ACL the file implies (stdout or OUT)
//! ```
//!
//! The checks and messages are the ones `topology!(file = .., node = ..)` reports, from the
//! same library (`aimdb_compiler::file::check_source`).

use std::process::ExitCode;

use aimdb_compiler::file::{self, System};
use aimdb_compiler::report;

const USAGE: &str = "usage: aimdb check FILE\n       aimdb graph FILE [--format mermaid|dot]\n       aimdb acl FILE [-o OUT]";

/// A graph format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Mermaid,
    Dot,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let (command, rest) = args.split_first().ok_or("no command given")?;
    match command.as_str() {
        "check" => {
            let [path] = rest else {
                return Err("`aimdb check` takes one topology file".to_owned());
            };
            Ok(check(path))
        }
        "graph" => {
            let (path, format) = graph_args(rest)?;
            Ok(graph(&path, format))
        }
        "acl" => {
            let (path, out) = acl_args(rest)?;
            Ok(acl(&path, out.as_deref()))
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!(
            "unknown command `{other}` (commands: check, graph, acl)"
        )),
    }
}

fn graph_args(rest: &[String]) -> Result<(String, Format), String> {
    let mut path = None;
    let mut format = Format::Mermaid;
    let mut iter = rest.iter();
    while let Some(arg) = iter.next() {
        let value = match arg.as_str() {
            "--format" => iter
                .next()
                .ok_or("`--format` needs a value: mermaid or dot")?
                .as_str(),
            other => match other.strip_prefix("--format=") {
                Some(value) => value,
                None if path.is_none() && !other.starts_with('-') => {
                    path = Some(other.to_owned());
                    continue;
                }
                None => return Err(format!("unexpected argument `{other}`")),
            },
        };
        format = match value {
            "mermaid" => Format::Mermaid,
            "dot" => Format::Dot,
            other => return Err(format!("unknown format `{other}` (formats: mermaid, dot)")),
        };
    }
    Ok((path.ok_or("`aimdb graph` takes one topology file")?, format))
}

fn acl_args(rest: &[String]) -> Result<(String, Option<String>), String> {
    let mut path = None;
    let mut out = None;
    let mut iter = rest.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "-o" | "--output" => {
                let value = iter.next().ok_or("`-o` needs a file to write")?;
                if out.replace(value.clone()).is_some() {
                    return Err("`-o` is given twice".to_owned());
                }
            }
            other if path.is_none() && !other.starts_with('-') => path = Some(other.to_owned()),
            other => return Err(format!("unexpected argument `{other}`")),
        }
    }
    Ok((path.ok_or("`aimdb acl` takes one topology file")?, out))
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
    let (system, diagnostics) = file::check_source(&source);
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
    let links: usize = system.nodes.iter().map(|n| n.links.len()).sum();
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
    };
    print!("{text}");
    ExitCode::SUCCESS
}

/// The mosquitto ACL of a checked file, on stdout or into `out`.
fn acl(path: &str, out: Option<&str>) -> ExitCode {
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
                eprintln!("error: cannot write `{out}`: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
