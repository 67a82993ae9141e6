//! Counters every connector keeps, per link and per connector, declared once.
//!
//! A connector's figures are relaxed atomics (statistics, not synchronisation) in a live
//! struct with a `const fn new()` (so it can sit in a `static` on a microcontroller), and a
//! plain `Copy` snapshot users read. [`counters!`] declares both from one field list, so a
//! field added to a connector's figures cannot be forgotten in its snapshot.

#[cfg(target_has_atomic = "64")]
use core::sync::atomic::AtomicU64;
use core::sync::atomic::{AtomicU32, Ordering};

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

pub(crate) use counters;

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
