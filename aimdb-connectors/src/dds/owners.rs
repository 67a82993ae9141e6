//! EXCLUSIVE ownership at our readers. rustdds 0.15 uses OWNERSHIP for matching only and
//! delivers every matched writer's samples (its `policy::Ownership` docs say so), so the
//! connector arbitrates itself: a sample is taken only from the topic's current owner, the
//! live EXCLUSIVE writer with the highest strength (ties: the lower GUID, as DDS says).
//!
//! Writers and their strengths come from discovery (`WriterDetected`/`WriterLost` on the
//! participant's status channel). rustdds reports a writer there before it matches it to
//! our readers, so a sample's writer is always known once the channel is drained; the
//! table drains it when a sample's writer is unknown or about to be refused (so a lost
//! owner hands over at once), and [`Owners::drain`] runs periodically so the bounded
//! channel never fills.

use std::collections::HashMap;
use std::string::String;
use std::sync::Mutex;

use rustdds::policy::Ownership;
use rustdds::{DomainParticipantStatusEvent, DomainParticipantStatusListener, GUID, StatusEvented};

/// One writer on the domain, as discovery describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Writer {
    topic: String,
    /// `None`: a SHARED writer (never an owner; DDS does not match it with our EXCLUSIVE
    /// readers anyway).
    strength: Option<i32>,
}

/// The writers of one participant's domain and their strengths.
pub(crate) struct Owners {
    inner: Mutex<Inner>,
}

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
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One of our own writers (rustdds may not report local writers on the channel).
    pub(crate) fn local(&self, guid: GUID, topic: &str, strength: i32) {
        let writer = Writer {
            topic: topic.into(),
            strength: Some(strength),
        };
        self.lock().writers.insert(guid, writer);
    }

    /// Take every pending discovery event into the table.
    pub(crate) fn drain(&self) {
        self.lock().drain();
    }

    /// Whether a sample of `topic` from `writer` comes from the topic's owner.
    pub(crate) fn verdict(&self, topic: &str, writer: GUID) -> Verdict {
        let mut inner = self.lock();
        if let Some(verdict) = inner.judge(topic, writer).filter(|v| *v == Verdict::Owner) {
            return verdict;
        }
        // Unknown, or outranked by what the table knew: news may be waiting (the writer
        // just discovered, the stronger one lost).
        inner.drain();
        // A writer discovery never reported is taken: DDS cannot rank what it does not
        // know, and refusing it would lose our own owner's values to a race.
        inner.judge(topic, writer).unwrap_or(Verdict::Owner)
    }
}

impl Inner {
    fn drain(&mut self) {
        while let Some(event) = self.listener.try_recv_status() {
            match event {
                DomainParticipantStatusEvent::WriterDetected { writer } => {
                    let strength = match writer.qos.ownership() {
                        Some(Ownership::Exclusive { strength }) => Some(strength),
                        _ => None,
                    };
                    let topic = writer.topic_name;
                    self.writers.insert(writer.guid, Writer { topic, strength });
                }
                DomainParticipantStatusEvent::WriterLost { guid, .. } => {
                    self.writers.remove(&guid);
                }
                DomainParticipantStatusEvent::ParticipantLost { id, .. } => {
                    self.writers.retain(|guid, _| guid.prefix != id);
                }
                _ => {}
            }
        }
    }

    fn judge(&self, topic: &str, writer: GUID) -> Option<Verdict> {
        judge(&self.writers, topic, writer)
    }
}

/// Whether `writer` owns `topic` among `writers`; `None` when it is not among them.
fn judge(writers: &HashMap<GUID, Writer>, topic: &str, writer: GUID) -> Option<Verdict> {
    let strength = writers.get(&writer)?.strength;
    let outranked = writers.iter().any(|(guid, other)| {
        other.topic == topic
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
        Writer {
            topic: topic.into(),
            strength,
        }
    }

    #[test]
    fn the_strongest_exclusive_writer_of_a_topic_owns_it_ties_to_the_lower_guid() {
        let mut writers = HashMap::new();
        writers.insert(guid(1), writer("t", Some(10)));
        writers.insert(guid(2), writer("t", Some(5)));
        writers.insert(guid(3), writer("other", Some(99)));
        assert_eq!(judge(&writers, "t", guid(1)), Some(Verdict::Owner));
        assert_eq!(judge(&writers, "t", guid(2)), Some(Verdict::Outranked));
        assert_eq!(judge(&writers, "t", guid(9)), None, "unknown writer");
        writers.insert(guid(4), writer("t", Some(10)));
        assert_eq!(
            judge(&writers, "t", guid(4)),
            Some(Verdict::Outranked),
            "tie: lower GUID wins"
        );
        assert_eq!(judge(&writers, "t", guid(1)), Some(Verdict::Owner));
        writers.remove(&guid(1));
        writers.remove(&guid(4));
        assert_eq!(
            judge(&writers, "t", guid(2)),
            Some(Verdict::Owner),
            "the owner lost: next in line"
        );
        writers.insert(guid(5), writer("t", None));
        assert_eq!(
            judge(&writers, "t", guid(5)),
            Some(Verdict::Outranked),
            "SHARED never owns"
        );
    }
}
