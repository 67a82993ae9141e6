//! EXCLUSIVE ownership at our readers. rustdds 0.15 uses OWNERSHIP for matching only and
//! delivers every matched writer's samples (its `policy::Ownership` docs say so), so the
//! connector arbitrates itself: a sample is taken only from the topic's current owner, the
//! live EXCLUSIVE writer with the highest strength (ties: the lower GUID, as DDS says).
//! Only writers the reader can match compete: those in the reader's partition (a writer
//! of the topic in another partition never reaches the reader, so it owns nothing there).
//!
//! Writers and their strengths come from discovery (`WriterDetected`/`WriterLost` on the
//! participant's status channel). rustdds reports a writer there before it matches it to
//! our readers, so a sample's writer is always known once the channel is drained; the
//! table drains it when a sample's writer is unknown or about to be refused (so a lost
//! owner hands over at once), and [`Owners::drain`] runs periodically so the bounded
//! channel never fills.
//!
//! A reader task remembers the last writer the table named the owner ([`LastOwner`]), with
//! the table's generation then: while no writer has come, gone or been re-ranked since,
//! a sample from that writer is the owner's without taking the table's lock (one atomic
//! load per sample instead of a lock, a hash lookup and a scan of the domain's writers).

use std::collections::HashMap;
use std::string::String;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::vec::Vec;

use rustdds::policy::{Ownership, Partition};
use rustdds::{DomainParticipantStatusEvent, DomainParticipantStatusListener, GUID, StatusEvented};

/// One writer on the domain, as discovery describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Writer {
    topic: String,
    /// The partitions the writer is in (`[""]`: the default partition).
    partitions: Vec<String>,
    /// `None`: a SHARED writer (never an owner; DDS does not match it with our EXCLUSIVE
    /// readers anyway).
    strength: Option<i32>,
}

/// The writers of one participant's domain and their strengths.
pub(crate) struct Owners {
    inner: Mutex<Inner>,
    /// Bumped (under the lock) whenever `writers` changes.
    generation: AtomicU64,
}

/// A reader task's last owner verdict: the table's generation and the writer it named.
pub(crate) type LastOwner = Option<(u64, GUID)>;

struct Inner {
    listener: DomainParticipantStatusListener,
    writers: HashMap<GUID, Writer>,
}

/// What the table says about a sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// From the topic's owner: deliver.
    Owner,
    /// From a writer another writer outranks: refuse and count.
    Outranked,
}

impl Owners {
    pub(crate) fn new(listener: DomainParticipantStatusListener) -> Self {
        Owners {
            inner: Mutex::new(Inner {
                listener,
                writers: HashMap::new(),
            }),
            generation: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One of our own writers (rustdds may not report local writers on the channel).
    pub(crate) fn local(&self, guid: GUID, topic: &str, partition: Option<&str>, strength: i32) {
        let writer = Writer {
            topic: topic.into(),
            partitions: std::vec![partition.unwrap_or_default().into()],
            strength: Some(strength),
        };
        let mut inner = self.lock();
        inner.writers.insert(guid, writer);
        self.changed();
    }

    /// Called under the lock after `writers` changed.
    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// Take every pending discovery event into the table.
    pub(crate) fn drain(&self) {
        if self.lock().drain() {
            self.changed();
        }
    }

    /// Whether a sample of `topic` from `writer` comes from the topic's owner in the
    /// reader's `partition` (`None`: the default partition). `last` is the calling
    /// reader's memory of its last owner verdict (start with `None`).
    pub(crate) fn verdict(
        &self,
        topic: &str,
        partition: Option<&str>,
        writer: GUID,
        last: &mut LastOwner,
    ) -> Verdict {
        let partition = partition.unwrap_or_default();
        if *last == Some((self.generation.load(Ordering::Acquire), writer)) {
            // The table has not changed since it named this writer the owner.
            return Verdict::Owner;
        }
        let mut inner = self.lock();
        if inner.judge(topic, partition, writer) == Some(Verdict::Owner) {
            *last = Some((self.generation.load(Ordering::Relaxed), writer));
            return Verdict::Owner;
        }
        // Unknown, or outranked by what the table knew: news may be waiting (the writer
        // just discovered, the stronger one lost).
        if inner.drain() {
            self.changed();
        }
        *last = None;
        match inner.judge(topic, partition, writer) {
            Some(Verdict::Owner) => {
                *last = Some((self.generation.load(Ordering::Relaxed), writer));
                Verdict::Owner
            }
            Some(Verdict::Outranked) => Verdict::Outranked,
            // A writer discovery never reported is taken (not remembered, so its next
            // sample looks for news again): DDS cannot rank what it does not know, and
            // refusing it would lose our own owner's values to a race.
            None => Verdict::Owner,
        }
    }
}

impl Inner {
    /// Whether the table changed.
    fn drain(&mut self) -> bool {
        let mut changed = false;
        while let Some(event) = self.listener.try_recv_status() {
            match event {
                DomainParticipantStatusEvent::WriterDetected { writer } => {
                    let strength = match writer.qos.ownership() {
                        Some(Ownership::Exclusive { strength }) => Some(strength),
                        _ => None,
                    };
                    let topic = writer.topic_name;
                    let qos_partition = writer.qos.partition();
                    let partitions = Partition::effective_names(qos_partition.as_ref())
                        .into_iter()
                        .map(String::from)
                        .collect();
                    let writer_now = Writer {
                        topic,
                        partitions,
                        strength,
                    };
                    if self.writers.get(&writer.guid) != Some(&writer_now) {
                        self.writers.insert(writer.guid, writer_now);
                        changed = true;
                    }
                }
                DomainParticipantStatusEvent::WriterLost { guid, .. } => {
                    changed |= self.writers.remove(&guid).is_some();
                }
                DomainParticipantStatusEvent::ParticipantLost { id, .. } => {
                    let before = self.writers.len();
                    self.writers.retain(|guid, _| guid.prefix != id);
                    changed |= self.writers.len() != before;
                }
                _ => {}
            }
        }
        changed
    }

    fn judge(&self, topic: &str, partition: &str, writer: GUID) -> Option<Verdict> {
        judge(&self.writers, topic, partition, writer)
    }
}

/// Whether `writer` owns `topic` in `partition` among `writers`; `None` when it is not
/// among them. Writers in no partition of the reader's are not rivals: they never match it.
fn judge(
    writers: &HashMap<GUID, Writer>,
    topic: &str,
    partition: &str,
    writer: GUID,
) -> Option<Verdict> {
    let strength = writers.get(&writer)?.strength;
    let outranked = writers.iter().any(|(guid, other)| {
        other.topic == topic
            && other.partitions.iter().any(|p| p == partition)
            && *guid != writer
            && match (other.strength, strength) {
                (Some(theirs), Some(ours)) => theirs > ours || (theirs == ours && *guid < writer),
                (Some(_), None) => true,
                (None, _) => false,
            }
    });
    Some(if outranked {
        Verdict::Outranked
    } else {
        Verdict::Owner
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer's GUID: participant prefix `n`, a user-defined no-key writer entity (0x03).
    fn guid(n: u8) -> GUID {
        let mut bytes = [n; 16];
        bytes[12..].copy_from_slice(&[0, 0, n, 0x03]);
        GUID::from_bytes(bytes)
    }

    fn writer(topic: &str, strength: Option<i32>) -> Writer {
        in_partition(topic, "", strength)
    }

    fn in_partition(topic: &str, partition: &str, strength: Option<i32>) -> Writer {
        Writer {
            topic: topic.into(),
            partitions: std::vec![partition.into()],
            strength,
        }
    }

    #[test]
    fn the_strongest_exclusive_writer_of_a_topic_owns_it_ties_to_the_lower_guid() {
        let mut writers = HashMap::new();
        writers.insert(guid(1), writer("t", Some(10)));
        writers.insert(guid(2), writer("t", Some(5)));
        writers.insert(guid(3), writer("other", Some(99)));
        assert_eq!(judge(&writers, "t", "", guid(1)), Some(Verdict::Owner));
        assert_eq!(judge(&writers, "t", "", guid(2)), Some(Verdict::Outranked));
        assert_eq!(judge(&writers, "t", "", guid(9)), None, "unknown writer");
        writers.insert(guid(4), writer("t", Some(10)));
        assert_eq!(
            judge(&writers, "t", "", guid(4)),
            Some(Verdict::Outranked),
            "tie: lower GUID wins"
        );
        assert_eq!(judge(&writers, "t", "", guid(1)), Some(Verdict::Owner));
        writers.remove(&guid(1));
        writers.remove(&guid(4));
        assert_eq!(
            judge(&writers, "t", "", guid(2)),
            Some(Verdict::Owner),
            "the owner lost: next in line"
        );
        writers.insert(guid(5), writer("t", None));
        assert_eq!(
            judge(&writers, "t", "", guid(5)),
            Some(Verdict::Outranked),
            "SHARED never owns"
        );
    }

    #[test]
    fn only_writers_in_the_readers_partition_compete() {
        let mut writers = HashMap::new();
        writers.insert(guid(1), in_partition("t", "north", Some(1)));
        writers.insert(guid(2), in_partition("t", "south", Some(99)));
        writers.insert(guid(3), writer("t", Some(50)));
        assert_eq!(judge(&writers, "t", "north", guid(1)), Some(Verdict::Owner));
        assert_eq!(judge(&writers, "t", "south", guid(2)), Some(Verdict::Owner));
        assert_eq!(judge(&writers, "t", "", guid(3)), Some(Verdict::Owner));
        writers.insert(guid(4), in_partition("t", "north", Some(5)));
        assert_eq!(
            judge(&writers, "t", "north", guid(1)),
            Some(Verdict::Outranked)
        );
    }
}
