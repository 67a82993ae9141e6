//! Counters every connector keeps, per link and per connector, declared once.
//!
//! A connector's figures are relaxed atomics (statistics, not synchronisation) in a live
//! struct with a `const fn new()` (so it can sit in a `static` on a microcontroller), and a
//! plain `Copy` snapshot users read. [`counters!`] declares both from one field list, so a
//! field added to a connector's figures cannot be forgotten in its snapshot.

#[cfg(target_has_atomic = "64")]
use core::sync::atomic::AtomicU64;
use core::sync::atomic::{AtomicU32, Ordering};

use aimdb_core::connector::{CodecError, Skipped};

/// An atomic counter: `u32` on connectors that run on microcontrollers, `u64` on hosts.
pub(crate) trait Counter {
    /// Add `n` (a count larger than the counter holds adds its maximum).
    fn add(&self, n: u64);
}

impl Counter for AtomicU32 {
    #[inline]
    fn add(&self, n: u64) {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        // Wrapping past u32::MAX events is far beyond any run; a plain add stays one
        // exclusive load/store pair on thumbv7em.
        self.fetch_add(n, Ordering::Relaxed);
    }
}

#[cfg(target_has_atomic = "64")]
impl Counter for AtomicU64 {
    #[inline]
    fn add(&self, n: u64) {
        self.fetch_add(n, Ordering::Relaxed);
    }
}

/// Add one to a counter.
#[inline]
pub(crate) fn bump(counter: &impl Counter) {
    counter.add(1);
}

/// Count what a link task reported through `Connector::skipped` into that link's counters:
/// lag into `lagged`, an encoding too large for the link's buffer into `oversize`, any
/// other encoding failure into `encode_errors`.
pub(crate) fn count_skipped(
    skipped: Skipped,
    lagged: &impl Counter,
    encode_errors: &impl Counter,
    oversize: &impl Counter,
) {
    match skipped {
        Skipped::Lagged(missed) => lagged.add(missed),
        Skipped::Encode(CodecError::Oversize) => bump(oversize),
        // A writer never mismatches its own contract; counted with the other failures.
        // (Any kind `CodecError` may gain later counts here too: it is non-exhaustive.)
        Skipped::Encode(_) => bump(encode_errors),
    }
}

/// Count one arrived payload by what its route's deserializer made of it: delivered into
/// `received`, or refused into `oversize`, `decode_errors` or `schema_mismatch`.
pub(crate) fn count_delivery(
    result: Result<(), CodecError>,
    received: &impl Counter,
    decode_errors: &impl Counter,
    oversize: &impl Counter,
    schema_mismatch: &impl Counter,
) {
    match result {
        Ok(()) => bump(received),
        Err(CodecError::Oversize) => bump(oversize),
        Err(CodecError::SchemaMismatch) => bump(schema_mismatch),
        // Malformed, and any kind `CodecError` may gain later (it is non-exhaustive).
        Err(_) => bump(decode_errors),
    }
}

/// Declares a live counter struct and its snapshot:
///
/// ```ignore
/// counters! {
///     /// The live counters of one link.
///     pub(crate) struct LinkCounters: AtomicU32;
///     /// A snapshot of one link's counters.
///     pub struct LinkStats: u32 {
///         /// Values sent.
///         sent,
///     }
///     // Optional: snapshot fields that are not counters, passed to `snapshot(..)` in order.
///     extra {
///         /// Values queued now.
///         queued: u32,
///     }
/// }
/// ```
macro_rules! counters {
    (
        $(#[$live_meta:meta])*
        $live_vis:vis struct $live:ident: $atomic:ident;
        $(#[$snap_meta:meta])*
        pub struct $snap:ident: $int:ty {
            $( $(#[$field_meta:meta])* $field:ident ),* $(,)?
        }
        $( extra {
            $( $(#[$extra_meta:meta])* $extra:ident: $extra_ty:ty ),* $(,)?
        } )?
    ) => {
        $(#[$live_meta])*
        #[derive(Debug)]
        $live_vis struct $live {
            $( pub(crate) $field: core::sync::atomic::$atomic, )*
        }

        impl $live {
            /// Every counter at zero.
            pub(crate) const fn new() -> Self {
                $live { $( $field: core::sync::atomic::$atomic::new(0), )* }
            }

            /// The counters now (each read on its own: a snapshot taken while values move
            /// can be off by the values in flight).
            #[allow(clippy::too_many_arguments)]
            pub(crate) fn snapshot(&self $($(, $extra: $extra_ty)*)?) -> $snap {
                $snap {
                    $( $field: self.$field.load(core::sync::atomic::Ordering::Relaxed), )*
                    $($( $extra, )*)?
                }
            }
        }

        impl Default for $live {
            fn default() -> Self {
                Self::new()
            }
        }

        $(#[$snap_meta])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $snap {
            $( $(#[$field_meta])* pub $field: $int, )*
            $($( $(#[$extra_meta])* pub $extra: $extra_ty, )*)?
        }
    };
}

#[allow(unused_imports)] // not every connector declares counters of its own
pub(crate) use counters;

/// The figures of one link, the same on every connector that queues values for a
/// transport (MQTT on either runtime, KNX, the kit's connectors), declared once per counter width.
#[cfg(any(
    feature = "mqtt-embassy",
    feature = "kit",
    feature = "mqtt-tokio",
    feature = "knx",
    feature = "dds"
))]
macro_rules! link_counters {
    ($live:ident: $atomic:ident => $snap:ident: $int:ty) => {
        counters! {
            /// The live counters of one link (one address), shared by both directions.
            pub(crate) struct $live: $atomic;
            /// A snapshot of one link's counters.
            ///
            /// Outbound, every value the record produced ends up in exactly one of `sent`,
            /// `dropped`, `lagged`, `encode_errors` and `oversize`, or is still on its way
            /// (in the record's buffer, the link task or the connector's queue).
            pub struct $snap: $int {
                /// Values handed to the transport (published, or written as a frame).
                sent,
                /// Values that arrived and were delivered into the record.
                received,
                /// Values that were not sent: refused by a full outbound queue, replaced in
                /// the queue by a newer value of the same `SingleLatest` or `Mailbox` link
                /// (MQTT on tokio), or lost with a session that failed while sending.
                dropped,
                /// Values the link's reader lost because it fell behind its `SpmcRing`
                /// record: the connector could not take them as fast as they were produced
                /// (a broker outage longer than the ring holds).
                lagged,
                /// Values the link's serializer failed on (skipped).
                encode_errors,
                /// Arrived payloads the record's deserializer rejected (skipped).
                decode_errors,
                /// Values larger than the connector or the link's buffer takes (outbound), or
                /// that the deserializer reported as oversize (inbound); skipped.
                oversize,
                /// Arrived payloads written with another version of the record type (their
                /// contract fingerprint is neither the reader's nor one it accepts);
                /// skipped. See `aimdb::contract`.
                schema_mismatch,
                /// Arrived payloads on a family's filter from an instance outside the
                /// family's declared set (refused).
                unknown_instance,
            }
        }

        impl $live {
            /// Count one arrived payload by what the route's deserializer made of it.
            pub(crate) fn delivered(&self, result: Result<(), aimdb_core::connector::CodecError>) {
                crate::counters::count_delivery(
                    result,
                    &self.received,
                    &self.decode_errors,
                    &self.oversize,
                    &self.schema_mismatch,
                );
            }
        }
    };
}

/// The connector-wide figures of an MQTT connector, the same on both runtimes.
#[cfg(any(feature = "mqtt-embassy", feature = "mqtt-tokio"))]
macro_rules! mqtt_counters {
    ($live:ident: $atomic:ident => $snap:ident: $int:ty) => {
        counters! {
            /// The live connector-wide counters of an MQTT connector.
            pub(crate) struct $live: $atomic;
            /// A snapshot of an MQTT connector's connector-wide counters.
            pub struct $snap: $int {
                /// Successful connections (CONNACK received), the first one included.
                connects,
                /// Successful connections after the first: how often the connector came
                /// back.
                reconnects,
                /// Failed connection attempts and lost connections.
                connection_errors,
                /// Sessions ended because the broker went silent: no PINGRESP within the
                /// keep-alive deadline (embassy), or no packet at all for 1.5 keep-alives
                /// (the host's watchdog). A hung broker whose TCP connection stays open is
                /// noticed this way. Also counted in `connection_errors`.
                keepalive_timeouts,
                /// Connections cut because the broker sent a packet larger than the
                /// client reads (`MqttConfig::max_packet` on the host): the packet's topic
                /// is unknown, so it is counted here rather than on a link. Also counted in
                /// `connection_errors`.
                oversize_packets,
                /// Subscriptions acknowledged by the broker (the connector subscribes every
                /// inbound link again after each reconnect).
                subscribe_acks,
                /// QoS 1 publishes the broker acknowledged.
                publish_acks,
                /// QoS 1 publishes sent again in a new session because the broker had not
                /// acknowledged them when the last one died (at least once: the broker may
                /// have taken some of them, and then they arrive twice).
                resent,
                /// Arrived publishes on a topic no route takes.
                unrouted,
                /// Link addresses rejected (bad topic or option, full link table); their
                /// publishes return `NoRoute`.
                invalid_links,
            }
            extra {
                /// Values waiting in the outbound queue now (on tokio, plus one the
                /// connector may be handing to rumqttc): `sent + dropped + queued` adds up
                /// to what `publish` accepted.
                queued: $int,
                /// Whether a session with the broker is up now.
                connected: bool,
            }
        }
    };
}

#[cfg(any(feature = "mqtt-embassy", feature = "kit", feature = "knx"))]
link_counters!(LinkCounters32: AtomicU32 => LinkStats32: u32);
#[cfg(feature = "mqtt-embassy")]
mqtt_counters!(MqttCounters32: AtomicU32 => MqttStats32: u32);
#[cfg(feature = "mqtt-tokio")]
mqtt_counters!(MqttCounters64: AtomicU64 => MqttStats64: u64);
#[cfg(any(feature = "mqtt-tokio", feature = "dds"))]
link_counters!(LinkCounters64: AtomicU64 => LinkStats64: u64);

#[cfg(test)]
mod tests {
    use super::*;

    counters! {
        /// Test counters.
        pub(crate) struct Live: AtomicU32;
        /// Their snapshot.
        pub struct Snapshot: u32 {
            /// One.
            sent,
            /// Two.
            lagged,
        }
        extra {
            /// Passed in.
            queued: u32,
        }
    }

    #[test]
    fn a_snapshot_reads_every_counter_and_takes_the_extras() {
        static LIVE: Live = Live::new();
        bump(&LIVE.sent);
        bump(&LIVE.sent);
        LIVE.lagged.add(7);
        assert_eq!(
            LIVE.snapshot(3),
            Snapshot {
                sent: 2,
                lagged: 7,
                queued: 3
            }
        );
    }

    #[test]
    fn a_u32_counter_takes_more_than_it_holds_without_panicking() {
        let counter = AtomicU32::new(0);
        counter.add(u64::MAX);
        assert_eq!(counter.load(Ordering::Relaxed), u32::MAX);
    }
}
