//! One DDS domain the connector takes part in: its participant (loopback-only when the
//! config says so), one publisher and subscriber, the topics made so far, and the
//! ownership table fed by its discovery.

use std::collections::HashMap;
use std::string::{String, ToString};
use std::sync::{Arc, Mutex};

use rustdds::no_key::{DataWriter, SimpleDataReader};
use rustdds::{
    DomainParticipant, DomainParticipantBuilder, Publisher, QosPolicies, Subscriber, Topic,
    TopicKind,
};

use super::owners::Owners;
use super::sample::{BytesAdapter, Frame, FrameAdapter};
use super::{DdsConfig, qos};
use rustdds::bytes::Bytes;

/// rustdds's writer for our CDR bytes.
pub(crate) type Writer = DataWriter<Bytes, BytesAdapter>;
/// rustdds's reader into fixed frames. The simple reader, not `DataReader`: `DataReader`
/// keeps a second, local sample cache and re-sorts all of it on every take (its async
/// stream takes one sample per call), a cost that grows with the samples waiting; the
/// simple reader takes the next sample straight from the topic cache. Same wake-up (the
/// task's waker, set when nothing is waiting), same RTPS reader and QoS.
pub(crate) type Reader = SimpleDataReader<Frame, FrameAdapter>;

pub(crate) struct Domain {
    pub(crate) id: u16,
    participant: DomainParticipant,
    publisher: Publisher,
    subscriber: Subscriber,
    topics: Mutex<HashMap<String, Topic>>,
    pub(crate) owners: Arc<Owners>,
}

/// Why an endpoint could not be made (logged with the address, counted as an invalid
/// link).
pub(crate) type CreateError = String;

impl Domain {
    pub(crate) fn new(id: u16, config: &DdsConfig) -> Result<Self, CreateError> {
        let mut builder = DomainParticipantBuilder::new(id);
        if !config.only_networks.is_empty() {
            builder = builder.with_only_networks(config.only_networks.iter().copied());
        }
        let participant = builder.build().map_err(|e| e.to_string())?;
        let none = QosPolicies::qos_none();
        let publisher = participant
            .create_publisher(&none)
            .map_err(|e| e.to_string())?;
        let subscriber = participant
            .create_subscriber(&none)
            .map_err(|e| e.to_string())?;
        let owners = Arc::new(Owners::new(participant.status_listener()));
        Ok(Domain {
            id,
            participant,
            publisher,
            subscriber,
            topics: Mutex::new(HashMap::new()),
            owners,
        })
    }

    /// The topic `name` of `type_name`, made on first use.
    fn topic(&self, name: &str, type_name: &str) -> Result<Topic, CreateError> {
        let mut topics = self.topics.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(topic) = topics.get(name) {
            return Ok(topic.clone());
        }
        let topic = self
            .participant
            .create_topic(
                name.to_string(),
                type_name.to_string(),
                &QosPolicies::qos_none(),
                TopicKind::NoKey,
            )
            .map_err(|e| e.to_string())?;
        topics.insert(name.to_string(), topic.clone());
        Ok(topic)
    }

    pub(crate) fn writer(
        &self,
        name: &str,
        type_name: &str,
        qos: QosPolicies,
    ) -> Result<Writer, CreateError> {
        let topic = self.topic(name, type_name)?;
        self.publisher
            .create_datawriter_no_key::<Bytes, BytesAdapter>(&topic, Some(qos))
            .map_err(|e| e.to_string())
    }

    pub(crate) fn reader(
        &self,
        name: &str,
        type_name: &str,
        partition: Option<&str>,
    ) -> Result<Reader, CreateError> {
        let topic = self.topic(name, type_name)?;
        let qos = qos::in_partition(qos::reader(), partition);
        self.subscriber
            .create_simple_datareader_no_key::<Frame, FrameAdapter>(&topic, Some(qos))
            .map_err(|e| e.to_string())
    }
}
