//! Shared pieces of the climate system's host binaries (`dashboard`, `sensor-host`): where
//! the broker is, and the status lines every node prints.
//!
//! Each binary is a few lines around a node generated from `topologies/climate.toml`; what
//! they share (argument parsing, the status format) lives here so the binaries stay short.

pub mod fleet;
pub mod soak;

use std::net::{SocketAddr, ToSocketAddrs};

/// The broker used when neither `--broker` nor `AIMDB_BROKER` says otherwise.
pub const DEFAULT_BROKER: &str = "127.0.0.1:1883";

/// The broker address from `--broker HOST:PORT` (or `--broker=HOST:PORT`), else
/// `$AIMDB_BROKER`, else [`DEFAULT_BROKER`]. An unknown argument or an address that does
/// not resolve is an error message (the binaries print it and exit 2).
pub fn broker_from_args(program: &str) -> Result<SocketAddr, String> {
    let mut args = std::env::args().skip(1);
    let mut given = None;
    while let Some(arg) = args.next() {
        if let Some(value) = arg.strip_prefix("--broker=") {
            given = Some(value.to_owned());
        } else if arg == "--broker" {
            given = Some(args.next().ok_or("--broker needs HOST:PORT")?);
        } else if arg == "--help" || arg == "-h" {
            return Err(format!(
                "usage: {program} [--broker HOST:PORT]   (or AIMDB_BROKER=HOST:PORT; default {DEFAULT_BROKER})"
            ));
        } else {
            return Err(format!("{program}: unknown argument `{arg}` (try --help)"));
        }
    }
    let text = given
        .or_else(|| std::env::var("AIMDB_BROKER").ok())
        .unwrap_or_else(|| DEFAULT_BROKER.to_owned());
    resolve(&text)
}

/// `HOST:PORT` to a socket address (the first one it resolves to).
pub fn resolve(text: &str) -> Result<SocketAddr, String> {
    text.to_socket_addrs()
        .map_err(|e| format!("broker address `{text}`: {e} (expected HOST:PORT)"))?
        .next()
        .ok_or_else(|| format!("broker address `{text}` resolves to nothing"))
}

/// A fresh TCP connection to the broker for every MQTT session of the embassy MQTT
/// connector on the host (`sensor-host`, `fleet-sensor`), Nagle off.
pub struct Tcp(pub SocketAddr);

impl aimdb::connectors::mqtt_embassy::Dial for Tcp {
    type Stream<'a> = embedded_io_adapters::tokio_1::FromTokio<tokio::net::TcpStream>;

    fn dial(&mut self) -> impl Future<Output = Option<Self::Stream<'_>>> {
        let addr = self.0;
        async move {
            let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
            stream.set_nodelay(true).ok()?;
            Some(embedded_io_adapters::tokio_1::FromTokio::new(stream))
        }
    }
}

/// Run a node's `spawn` on an embassy executor of its own thread (the std executor never
/// returns), as the host binaries of embassy nodes do.
pub fn embassy_thread(start: impl FnOnce(embassy_executor::Spawner) + Send + 'static) {
    std::thread::spawn(move || {
        let executor: &'static mut embassy_executor::Executor =
            Box::leak(Box::new(embassy_executor::Executor::new()));
        executor.run(start)
    });
}

/// `21.75 °C` from hundredths of a degree, without float formatting.
pub fn celsius(centi: i32) -> String {
    let sign = if centi < 0 { "-" } else { "" };
    let centi = centi.unsigned_abs();
    format!("{sign}{}.{:02} °C", centi / 100, centi % 100)
}

/// The link part of a status line, from a connector's `connected` flag and its count of
/// successful connections.
pub fn link_state(connected: bool, connects: u64) -> &'static str {
    match (connected, connects) {
        (true, _) => "broker up",
        (false, 0) => "connecting to the broker",
        (false, _) => "broker DOWN, reconnecting",
    }
}

/// How a node logs in to the broker, for its start-up line: ``login: user `sensor` ``
/// or `anonymous`. The password is never printed.
pub fn login_text(user: Option<&str>) -> String {
    match user {
        Some(user) => format!("login: user `{user}`"),
        None => "anonymous: AIMDB_MQTT_PASSWORD is not set".to_owned(),
    }
}

/// The status-line prefix of a node: `[sensor    host]`, aligned across nodes.
pub fn tag(node: &str, place: &str) -> String {
    format!("[{node:<9} {place:>4}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        assert_eq!(celsius(2175), "21.75 °C");
        assert_eq!(celsius(-5), "-0.05 °C");
        assert_eq!(tag("dashboard", "host"), "[dashboard host]");
        assert_eq!(resolve("127.0.0.1:1883").unwrap().port(), 1883);
        assert!(resolve("no-port").is_err());
        assert_eq!(login_text(Some("sensor")), "login: user `sensor`");
        assert!(login_text(None).starts_with("anonymous"));
    }
}
