//! A record's buffer kind as DDS QoS: the mapping table of `docs/dds.md`, in one place.

use aimdb_core::buffer::BufferKind;
use rustdds::policy::{Durability, History, Ownership, Partition, Reliability};
use rustdds::{Duration, QosPolicies, QosPolicyBuilder};

/// The depth of a reader's history (KEEP_LAST): how many samples rustdds holds for the
/// connector's reader task before it drops the oldest unread one. KEEP_ALL would hold a
/// writer back instead, but rustdds 0.15.1 stalls a KEEP_ALL reader for good after a
/// burst (measured: ~1,000 of 5,000 samples delivered, no repair within 30 s).
pub const READER_DEPTH: i32 = 4096;

/// How long a write may wait for room in a RELIABLE writer's send window before the value
/// is dropped and counted (the DDS default for writers is 100 ms).
pub const MAX_BLOCKING: Duration = Duration::from_millis(100);

/// The writer's QoS for a record with buffer `kind`, owned with `strength`:
///
/// | buffer kind | reliability | history | durability |
/// | --- | --- | --- | --- |
/// | `SpmcRing { N }` | RELIABLE | KEEP_LAST N | VOLATILE |
/// | `SingleLatest` | RELIABLE | KEEP_LAST 1 | TRANSIENT_LOCAL (a late joiner gets the current value) |
/// | `Mailbox` | RELIABLE | KEEP_LAST 1 | VOLATILE |
///
/// Every writer is EXCLUSIVE with the topology's `strength`: the record's one owner.
pub fn writer(kind: BufferKind, strength: i32) -> QosPolicies {
    let (depth, durability) = match kind {
        BufferKind::SpmcRing { capacity } => (
            i32::try_from(capacity.max(1)).unwrap_or(i32::MAX),
            Durability::Volatile,
        ),
        BufferKind::SingleLatest => (1, Durability::TransientLocal),
        BufferKind::Mailbox => (1, Durability::Volatile),
    };
    QosPolicyBuilder::new()
        .reliability(Reliability::Reliable {
            max_blocking_time: MAX_BLOCKING,
        })
        .history(History::KeepLast { depth })
        .durability(durability)
        .ownership(Ownership::Exclusive { strength })
        .build()
}

/// A reader's QoS: RELIABLE (a RELIABLE request needs a RELIABLE offer, which every aimdb
/// writer makes; a best-effort DDS writer does not match), VOLATILE (it matches
/// writers of every durability; a VOLATILE reader gets no history on joining), EXCLUSIVE
/// (DDS matches EXCLUSIVE only with EXCLUSIVE), KEEP_LAST [`READER_DEPTH`].
pub fn reader() -> QosPolicies {
    QosPolicyBuilder::new()
        .reliability(Reliability::Reliable {
            max_blocking_time: MAX_BLOCKING,
        })
        .history(History::KeepLast {
            depth: READER_DEPTH,
        })
        .durability(Durability::Volatile)
        .ownership(Ownership::Exclusive { strength: 0 })
        .build()
}

/// `qos` in the DDS partition `partition` (the address's `partition=`; vendored rustdds's
/// PARTITION patch announces it in discovery and matches by it). `None` leaves the
/// policy out: the default partition, as before.
pub fn in_partition(qos: QosPolicies, partition: Option<&str>) -> QosPolicies {
    match partition {
        Some(name) => qos.with_partition(Partition::new([name])),
        None => qos,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_kinds_map_to_the_documented_qos() {
        // QosPolicies has no getters for history or ownership: read its Debug form.
        let has = |qos: &QosPolicies, what: &str| std::format!("{qos:?}").contains(what);
        let ring = writer(BufferKind::SpmcRing { capacity: 8 }, 5);
        assert!(ring.is_reliable() && ring.is_volatile());
        assert!(has(&ring, "KeepLast { depth: 8 }"));
        assert!(has(&ring, "Exclusive { strength: 5 }"));
        let latest = writer(BufferKind::SingleLatest, 0);
        assert!(latest.is_reliable() && !latest.is_volatile());
        assert!(has(&latest, "KeepLast { depth: 1 }") && has(&latest, "TransientLocal"));
        let mailbox = writer(BufferKind::Mailbox, 0);
        assert!(mailbox.is_reliable() && mailbox.is_volatile());
        assert!(has(&mailbox, "KeepLast { depth: 1 }"));
        // Every writer offers at least what the reader requests.
        for offered in [ring, latest, mailbox] {
            assert_eq!(offered.compliance_failure_wrt(&reader()), None);
        }
    }

    #[test]
    fn a_partition_matches_only_its_own_name() {
        let ring = || writer(BufferKind::SpmcRing { capacity: 8 }, 0);
        let north = in_partition(ring(), Some("north"));
        assert!(north.partitions_intersect(&in_partition(reader(), Some("north"))));
        assert!(!north.partitions_intersect(&in_partition(reader(), Some("south"))));
        assert!(
            !north.partitions_intersect(&reader()),
            "not the default partition"
        );
        assert!(
            ring().partitions_intersect(&reader()),
            "default meets default"
        );
        assert_eq!(in_partition(reader(), None), reader());
    }
}
