//! What the connectors tell an operator: connects, reconnects, lost connections and
//! refusals, each with the address it concerns.
//!
//! - **Host connectors** (the `*-tokio` features and `dds`) emit [`tracing`] events. The
//!   target is `aimdb::SCHEME` (`aimdb::mqtt`, `aimdb::kit` for the framed ones with the
//!   scheme as a field, `aimdb::ws`, `aimdb::dds`, `aimdb::knx`), and the broker, peer or link
//!   address is the `address` field, so a subscriber can filter on either. tracing's `log`
//!   feature is on: with no tracing subscriber installed, the events reach a `log` logger.
//! - **no_std connectors** (embassy, the browser) use [`mcu_event!`]: `defmt` with the
//!   `defmt` feature, else `log` with the `log` feature, else nothing, as embassy's crates
//!   do. Arguments are plain values (`&str`, integers) so both formats take them.
//!
//! Nothing here runs per message on a healthy link: refusals are logged the first time per
//! kind and counted always (a flood of foreign payloads must not become a flood of log
//! lines), connects and losses once each.

/// An event from a no_std connector: `mcu_event!(warn, "mqtt", "{}: lost", address)`, the
/// address first by convention. `defmt` if the `defmt` feature is on, else `log` if `log` is,
/// else nothing. The format string is passed as written (defmt takes only a literal), so use
/// plain `{}` placeholders.
#[allow(unused_macros)]
macro_rules! mcu_event {
    ($level:ident, $scheme:literal, $format:literal $(, $arg:expr)* $(,)?) => {{
        #[cfg(feature = "defmt")]
        ::defmt::$level!($format $(, $arg)*);
        #[cfg(all(feature = "log", not(feature = "defmt")))]
        ::log::$level!(target: concat!("aimdb::", $scheme), $format $(, $arg)*);
        #[cfg(not(any(feature = "defmt", feature = "log")))]
        {
            let _ = ($(&$arg,)*);
        }
    }};
}
#[allow(unused_imports)]
pub(crate) use mcu_event;
