//! The connection loop: dial, connect, subscribe, then publish queued values, deliver
//! arriving ones and keep the session alive until it fails; back off and start again.

use core::future::{Future, poll_fn};
use core::num::NonZero;
use core::pin::pin;
use core::task::Poll;

use aimdb_core::mutex::RawMutex;
use embassy_time::{Instant, Timer, with_timeout};
use embedded_io_async::{Read, Write};
use rust_mqtt::Bytes;
use rust_mqtt::buffer::BumpBuffer;
use rust_mqtt::client::Client;
use rust_mqtt::client::event::{Event, Puback, Pubrej};
use rust_mqtt::client::options::{
    ConnectOptions, PublicationOptions, SubscriptionOptions, TopicReference, WillOptions,
};
use rust_mqtt::config::{KeepAlive, SessionExpiryInterval};
use rust_mqtt::types::{MqttBinary, MqttString, QoS, TopicFilter, TopicName};

use super::links::TOPIC_MAX;
use super::unacked::Unacked;
use super::{MqttConnector, SEND_MAXIMUM};
use crate::counters::bump;

/// How the connector gets a byte stream to the broker, for the first session and after
/// every lost one.
pub trait Dial {
    /// The stream of one session.
    type Stream<'a>: Read + Write
    where
        Self: 'a;

    /// Open a stream to the broker; `None` if that failed (retried after the backoff).
    fn dial(&mut self) -> impl Future<Output = Option<Self::Stream<'_>>>;
}

/// A stream that outlives sessions, such as a UART wired to a broker: every dial hands
/// out the same stream again.
#[derive(Debug)]
pub struct Persistent<T>(pub T);

impl<T: Read + Write> Dial for Persistent<T> {
    type Stream<'a>
        = &'a mut T
    where
        T: 'a;

    fn dial(&mut self) -> impl Future<Output = Option<&mut T>> {
        core::future::ready(Some(&mut self.0))
    }
}

fn qos(level: u8) -> QoS {
    if level == 0 {
        QoS::AtMostOnce
    } else {
        QoS::AtLeastOnce
    }
}

/// A session's own state.
struct Flow {
    in_flight: usize,
    ping_sent: Option<Instant>,
}

// Packet ids for QoS 1 publishes in flight: the values' window plus the liveness `online`,
// so a new session can send its `online` and every value the last one left unacknowledged.
type Mqtt<'c, S, const LINKS: usize> =
    Client<'c, 'c, S, BumpBuffer<'c>, LINKS, 8, { SEND_MAXIMUM + 1 }, 0, 0, 0, 0>;

/// Free the receive buffer for the next packet.
fn reset<S: Read + Write, const LINKS: usize>(client: &mut Mqtt<'_, S, LINKS>) {
    // SAFETY: called only after the last event of the previous packet was handled and
    // dropped, so nothing borrows from the bump buffer any more.
    unsafe { client.buffer_mut().reset() }
}

impl<M, const QUEUE: usize, const MAX_PAYLOAD: usize, const LINKS: usize>
    MqttConnector<M, QUEUE, MAX_PAYLOAD, LINKS>
where
    M: RawMutex,
{
    /// Run the connection forever: the node's firmware spawns this as a task. `buffer`
    /// holds one incoming MQTT packet at a time (it bounds the largest packet the broker
    /// may send; `MAX_PAYLOAD` plus topic plus 16 bytes is enough).
    pub async fn run<D: Dial>(&self, dial: &mut D, buffer: &mut [u8]) -> ! {
        let mut delay = self.config.backoff_min;
        // QoS 1 publishes not yet acknowledged, kept across sessions (see `unacked`).
        let mut unacked = Unacked::new();
        loop {
            if let Some(stream) = dial.dial().await
                && self.session(stream, buffer, &mut unacked).await
            {
                delay = self.config.backoff_min;
            }
            unacked.session_lost();
            self.connected
                .store(false, core::sync::atomic::Ordering::Relaxed);
            bump(&self.counters.connection_errors);
            mcu_event!(
                warn,
                "mqtt",
                "{}: session lost; reconnecting in {} ms",
                self.config.client_id,
                delay.as_millis()
            );
            Timer::after(delay).await;
            delay = (delay * 2).min(self.config.backoff_max);
        }
    }

    /// One session; returns whether it got connected before it ended.
    async fn session<S: Read + Write>(
        &self,
        stream: S,
        buffer: &mut [u8],
        unacked: &mut Unacked<MAX_PAYLOAD>,
    ) -> bool {
        let max_packet = NonZero::new(buffer.len() as u32).unwrap_or(NonZero::<u32>::MIN);
        let mut bump_buffer = BumpBuffer::new(buffer);
        let mut client: Mqtt<'_, S, LINKS> = Client::new(&mut bump_buffer);
        let secs = self.config.keep_alive.as_secs().clamp(1, u16::MAX as u64) as u16;
        let mut options = ConnectOptions::new()
            .maximum_packet_size(max_packet)
            .keep_alive(KeepAlive::Seconds(
                NonZero::new(secs).unwrap_or(NonZero::<u16>::MIN),
            ));
        if let Some(login) = self.login.lock(|login| login.get()) {
            let Ok(user) = MqttString::from_str(login.username) else {
                return false;
            };
            options = options.user_name(user);
            if !login.password.is_empty() {
                let Ok(password) = MqttBinary::from_slice(login.password.as_bytes()) else {
                    return false;
                };
                options = options.password(password);
            }
        }
        // The last will: `offline`, retained, on the node's liveness topic.
        let liveness = self
            .config
            .liveness
            .and_then(|topic| MqttString::from_str(topic).ok().and_then(TopicName::new));
        if let Some(topic) = liveness.clone() {
            let offline = MqttBinary::from_slice(aimdb_core::address::mqtt::OFFLINE);
            if let Ok(offline) = offline {
                options = options.will(WillOptions::new(topic, offline).at_least_once().retain());
            }
        }
        // A node that observes at QoS 1 keeps its session (and the broker what arrives for
        // it meanwhile) across disconnects; one that only publishes starts clean.
        options = match self.session_expiry() {
            Some(seconds) => {
                options.session_expiry_interval(SessionExpiryInterval::Seconds(seconds))
            }
            None => options.clean_start(),
        };
        let Ok(id) = MqttString::from_str(self.config.client_id) else {
            return false;
        };
        let connect = client.connect(stream, &options, Some(id));
        if !matches!(
            with_timeout(self.config.connect_timeout, connect).await,
            Ok(Ok(_))
        ) {
            return false;
        }
        reset(&mut client);
        if self
            .counters
            .connects
            .load(core::sync::atomic::Ordering::Relaxed)
            > 0
        {
            bump(&self.counters.reconnects);
            mcu_event!(info, "mqtt", "{}: reconnected", self.config.client_id);
        } else {
            mcu_event!(info, "mqtt", "{}: connected", self.config.client_id);
        }
        bump(&self.counters.connects);
        self.connected
            .store(true, core::sync::atomic::Ordering::Relaxed);
        let mut flow = Flow {
            in_flight: 0,
            ping_sent: None,
        };
        if self.subscribe_all(&mut client, &mut flow, unacked).await
            && self.announce(&mut client, &mut flow, liveness).await
            && self.resend(&mut client, &mut flow, unacked).await
        {
            self.serve(&mut client, &mut flow, unacked).await;
        }
        true
    }

    /// Publish again, oldest first, what the last session left unacknowledged. Returns
    /// false if the session failed (what is left stays kept for the next one).
    async fn resend<S: Read + Write>(
        &self,
        client: &mut Mqtt<'_, S, LINKS>,
        flow: &mut Flow,
        unacked: &mut Unacked<MAX_PAYLOAD>,
    ) -> bool {
        let mut topic = [0u8; TOPIC_MAX];
        while let Some(index) = unacked.oldest_unsent() {
            let Some(pending) = unacked.get(index) else {
                break;
            };
            let value = &pending.value;
            let Some(options) = self.publication(value.slot, &mut topic) else {
                // Its link cannot be published to (it never could: counted when it went out).
                unacked.acknowledged_unsent(index);
                continue;
            };
            match client
                .publish(&options, Bytes::from(&value.bytes[..value.len]))
                .await
            {
                Ok(Some(id)) => {
                    unacked.sent_again(index, id.get().get());
                    flow.in_flight += 1;
                    bump(&self.counters.resent);
                }
                Ok(None) => unacked.acknowledged_unsent(index),
                Err(_) => return false,
            }
        }
        true
    }

    /// How a value of the outbound link in `slot` is published: topic (copied into
    /// `topic`), QoS and retain. `None` (counted as dropped) if the topic is not a valid
    /// MQTT topic name.
    fn publication<'t>(
        &self,
        slot: usize,
        topic: &'t mut [u8; TOPIC_MAX],
    ) -> Option<PublicationOptions<'t>> {
        let (len, level, retain) = self.table.lock(|t| {
            let slot = &t.borrow().slots[slot];
            topic[..slot.topic_len].copy_from_slice(&slot.topic[..slot.topic_len]);
            (slot.topic_len, slot.qos, slot.retain)
        });
        let text = core::str::from_utf8(&topic[..len]).unwrap_or("");
        let Some(name) = MqttString::from_str(text).ok().and_then(TopicName::new) else {
            bump(&self.links[slot].dropped);
            return None;
        };
        let options = PublicationOptions::new(TopicReference::Name(name)).qos(qos(level));
        Some(if retain { options.retain() } else { options })
    }

    /// The session expiry to ask for: `Some` when the node observes a link at QoS 1 and
    /// [`MqttConfig::session_expiry`](super::MqttConfig::session_expiry) is not zero.
    fn session_expiry(&self) -> Option<NonZero<u32>> {
        let seconds = self.config.session_expiry.as_secs().min(u32::MAX as u64) as u32;
        let observes = self.table.lock(|t| t.borrow().observes_at_least_once());
        NonZero::new(seconds).filter(|_| observes)
    }

    /// `online`, retained, on the node's liveness topic (if it has one): the will says
    /// `offline` when the session ends without a goodbye. Returns false if the session failed.
    async fn announce<S: Read + Write>(
        &self,
        client: &mut Mqtt<'_, S, LINKS>,
        flow: &mut Flow,
        liveness: Option<TopicName<'_>>,
    ) -> bool {
        let Some(topic) = liveness else {
            return true;
        };
        let options = PublicationOptions::new(TopicReference::Name(topic))
            .qos(QoS::AtLeastOnce)
            .retain();
        if client
            .publish(&options, Bytes::from(aimdb_core::address::mqtt::ONLINE))
            .await
            .is_err()
        {
            return false;
        }
        flow.in_flight += 1;
        true
    }

    /// Subscribe every inbound link, one SUBSCRIBE each, waiting for its SUBACK.
    /// Returns false if the session failed.
    async fn subscribe_all<S: Read + Write>(
        &self,
        client: &mut Mqtt<'_, S, LINKS>,
        flow: &mut Flow,
        unacked: &mut Unacked<MAX_PAYLOAD>,
    ) -> bool {
        let mut topic = [0u8; TOPIC_MAX];
        for index in 0..LINKS {
            let inbound = self.table.lock(|t| {
                let t = t.borrow();
                let slot = t.slots[..t.used].get(index)?;
                if slot.deliver.is_none() && slot.family.is_none() {
                    return None;
                }
                topic[..slot.topic_len].copy_from_slice(&slot.topic[..slot.topic_len]);
                Some((slot.topic_len, slot.qos))
            });
            let Some((len, level)) = inbound else {
                continue;
            };
            let text = core::str::from_utf8(&topic[..len]).unwrap_or("");
            let Some(filter) = MqttString::from_str(text).ok().and_then(TopicFilter::new) else {
                bump(&self.counters.invalid_links);
                continue;
            };
            let options = SubscriptionOptions::new().qos(qos(level));
            if client.subscribe(filter, &options).await.is_err() {
                return false;
            }
            loop {
                match with_timeout(self.config.keep_alive, client.poll()).await {
                    Ok(Ok(Event::Suback(_))) => {
                        reset(client);
                        bump(&self.counters.subscribe_acks);
                        break;
                    }
                    Ok(Ok(event)) => {
                        self.handle(event, flow, unacked);
                        reset(client);
                    }
                    _ => return false,
                }
            }
        }
        true
    }

    /// Publish, deliver and keep alive until the session fails.
    async fn serve<S: Read + Write>(
        &self,
        client: &mut Mqtt<'_, S, LINKS>,
        flow: &mut Flow,
        unacked: &mut Unacked<MAX_PAYLOAD>,
    ) {
        // A ping goes out when nothing was sent, or nothing arrived, for half a keep-alive;
        // an unanswered ping ends the session half a keep-alive later. So a broker that
        // hangs with its connection open is noticed within one keep-alive of its last
        // packet, even while values are being published (at QoS 0 nothing else would
        // notice).
        let half = self.config.keep_alive / 2;
        let mut last_sent = Instant::now();
        let mut last_received = last_sent;
        let mut topic = [0u8; TOPIC_MAX];
        let mut value = [0u8; MAX_PAYLOAD];
        loop {
            let room = flow.in_flight < SEND_MAXIMUM;
            let deadline = flow.ping_sent.unwrap_or(if last_sent < last_received {
                last_sent
            } else {
                last_received
            }) + half;
            let next = select3(
                client.poll_header(),
                async {
                    if room {
                        self.queue.pop(&mut value).await
                    } else {
                        core::future::pending().await
                    }
                },
                Timer::at(deadline),
            )
            .await;
            match next {
                Either3::First(Ok(header)) => match client.poll_body(header).await {
                    Ok(event) => {
                        last_received = Instant::now();
                        self.handle(event, flow, unacked);
                        reset(client);
                    }
                    Err(_) => return,
                },
                Either3::First(Err(_)) => return,
                Either3::Second((slot, value_len)) => {
                    // Every queued MQTT value has a slot (publish refuses without one).
                    let slot = slot.unwrap_or(0);
                    let link = &self.links[slot];
                    let Some(options) = self.publication(slot, &mut topic) else {
                        continue;
                    };
                    let payload = Bytes::from(&value[..value_len]);
                    match client.publish(&options, payload).await {
                        Err(_) => {
                            bump(&link.dropped);
                            return;
                        }
                        Ok(Some(id)) => {
                            flow.in_flight += 1;
                            unacked.keep(id.get().get(), slot, &value[..value_len]);
                        }
                        Ok(None) => {}
                    }
                    bump(&link.sent);
                    last_sent = Instant::now();
                }
                Either3::Third(()) => {
                    if flow.ping_sent.is_some() {
                        // The broker did not answer the last ping: the session is lost.
                        bump(&self.counters.keepalive_timeouts);
                        mcu_event!(
                            warn,
                            "mqtt",
                            "{}: no PINGRESP, session treated as lost",
                            self.config.client_id
                        );
                        return;
                    }
                    if client.ping().await.is_err() {
                        return;
                    }
                    flow.ping_sent = Some(Instant::now());
                    last_sent = Instant::now();
                }
            }
        }
    }

    /// React to one event of the session.
    fn handle(&self, event: Event<'_, 0, 0>, flow: &mut Flow, unacked: &mut Unacked<MAX_PAYLOAD>) {
        match event {
            Event::Publish(publish) => {
                let topic = publish.topic.name().map(|name| name.as_ref().as_str());
                self.deliver(topic.unwrap_or(""), publish.message.as_bytes());
            }
            Event::PublishAcknowledged(Puback {
                packet_identifier, ..
            })
            | Event::PublishRejected(Pubrej {
                packet_identifier, ..
            }) => {
                flow.in_flight = flow.in_flight.saturating_sub(1);
                unacked.acknowledged(packet_identifier.get().get());
                bump(&self.counters.publish_acks);
            }
            Event::Pingresp => flow.ping_sent = None,
            _ => {}
        }
    }

    /// Hand an arrived payload to the route of its topic.
    /// A topic no exact route takes may be a family's (`climate/7/reading` on the filter
    /// `climate/+/reading`): delivered into its instance's buffer, or, for an instance
    /// outside the family's declared set, refused and counted as `unknown_instance`.
    fn deliver(&self, topic: &str, payload: &[u8]) {
        let exact = self.table.lock(|t| t.borrow().inbound(topic));
        let (slot, family) = match exact {
            Some((slot, deliver)) => (slot, Err(deliver)),
            None => match self.table.lock(|t| t.borrow().family(topic)) {
                Some((slot, route, instance)) => (slot, Ok((route, instance))),
                None => {
                    bump(&self.counters.unrouted);
                    if self
                        .counters
                        .unrouted
                        .load(core::sync::atomic::Ordering::Relaxed)
                        == 1
                    {
                        // Logged once; counted always (`unrouted`).
                        mcu_event!(
                            warn,
                            "mqtt",
                            "{}: a publish no link subscribed to was skipped",
                            topic
                        );
                    }
                    return;
                }
            },
        };
        let link = &self.links[slot];
        if payload.len() > MAX_PAYLOAD {
            bump(&link.oversize);
            return;
        }
        match family {
            Err(deliver) => link.delivered(deliver(payload)),
            Ok((route, Some(instance))) => link.delivered((route.deliver)(instance, payload)),
            Ok((_, None)) => bump(&link.unknown_instance),
        }
    }
}

enum Either3<A, B, C> {
    First(A),
    Second(B),
    Third(C),
}

/// Run three futures until the first finishes (the others are dropped).
async fn select3<A: Future, B: Future, C: Future>(
    a: A,
    b: B,
    c: C,
) -> Either3<A::Output, B::Output, C::Output> {
    let (mut a, mut b, mut c) = (pin!(a), pin!(b), pin!(c));
    poll_fn(|cx| {
        if let Poll::Ready(x) = a.as_mut().poll(cx) {
            return Poll::Ready(Either3::First(x));
        }
        if let Poll::Ready(x) = b.as_mut().poll(cx) {
            return Poll::Ready(Either3::Second(x));
        }
        if let Poll::Ready(x) = c.as_mut().poll(cx) {
            return Poll::Ready(Either3::Third(x));
        }
        Poll::Pending
    })
    .await
}
