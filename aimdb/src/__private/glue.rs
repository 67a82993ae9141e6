//! Helpers the code `topology!` emits calls. Not a public API: the macro's output is the
//! only caller. They keep the emitted code short, and the checker functions turn a user
//! function with a wrong signature into a rustc error on the user's own token.

use core::future::{Future, poll_fn};

use aimdb_core::connector::{CodecError, Connector, Deserializer, Serializer, Skipped};
use aimdb_core::join::{JoinInputs, JoinRx, MapOutput};
use aimdb_core::{Consumer, Producer, RecordBuffer, RecvError};

/// A record buffer as the handles see it.
pub type Buffer<T> = dyn RecordBuffer<T> + Sync;

/// Start a source on a single-threaded executor (embassy). The bounds are the check: a
/// function with another signature is reported at the argument, the user's token, and the
/// opaque return type keeps the error from repeating at the `.await`.
pub fn run_source<T: 'static, F, Fut>(
    f: F,
    producer: Producer<'static, T>,
) -> impl Future<Output = ()> + use<T, F, Fut>
where
    F: FnOnce(Producer<'static, T>) -> Fut,
    Fut: Future<Output = ()>,
{
    f(producer)
}

/// Start a source for a multi-threaded tokio runtime (`Send + 'static`).
pub fn run_source_send<T: 'static, F, Fut>(
    f: F,
    producer: Producer<'static, T>,
) -> impl Future<Output = ()> + Send + 'static + use<T, F, Fut>
where
    F: FnOnce(Producer<'static, T>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    f(producer)
}

/// Start a tap on a single-threaded executor (embassy).
pub fn run_tap<T: 'static, F, Fut>(
    f: F,
    consumer: Consumer<'static, T>,
) -> impl Future<Output = ()> + use<T, F, Fut>
where
    F: FnOnce(Consumer<'static, T>) -> Fut,
    Fut: Future<Output = ()>,
{
    f(consumer)
}

/// Start a tap for a multi-threaded tokio runtime (`Send + 'static`).
pub fn run_tap_send<T: 'static, F, Fut>(
    f: F,
    consumer: Consumer<'static, T>,
) -> impl Future<Output = ()> + Send + 'static + use<T, F, Fut>
where
    F: FnOnce(Consumer<'static, T>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    f(consumer)
}

/// Start a family tap on a single-threaded executor (embassy): `f(instance, consumer)`, once
/// per instance of the family.
pub fn run_family_tap<T: 'static, F, Fut>(
    f: F,
    instance: &'static str,
    consumer: Consumer<'static, T>,
) -> impl Future<Output = ()> + use<T, F, Fut>
where
    F: FnOnce(&'static str, Consumer<'static, T>) -> Fut,
    Fut: Future<Output = ()>,
{
    f(instance, consumer)
}

/// Start a family tap for a multi-threaded tokio runtime (`Send + 'static`).
pub fn run_family_tap_send<T: 'static, F, Fut>(
    f: F,
    instance: &'static str,
    consumer: Consumer<'static, T>,
) -> impl Future<Output = ()> + Send + 'static + use<T, F, Fut>
where
    F: FnOnce(&'static str, Consumer<'static, T>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    f(instance, consumer)
}

/// Start a `.transform(KEY, |b| b.map(f))` on a single-threaded executor: every input value
/// through `f`; a returned value (or `Some`) is produced. A lagging ring input continues
/// with the oldest value still held.
pub fn run_map<In: 'static, Out: 'static, F, R>(
    f: F,
    consumer: Consumer<'static, In>,
    producer: Producer<'static, Out>,
) -> impl Future<Output = ()> + use<In, Out, F, R>
where
    F: FnMut(&In) -> R,
    R: MapOutput<Out>,
{
    map_loop(f, consumer, producer)
}

/// Start a `.map` transform for a multi-threaded tokio runtime.
pub fn run_map_send<In: Send + 'static, Out: Send + 'static, F, R>(
    f: F,
    consumer: Consumer<'static, In>,
    producer: Producer<'static, Out>,
) -> impl Future<Output = ()> + Send + 'static + use<In, Out, F, R>
where
    F: FnMut(&In) -> R + Send + 'static,
    R: MapOutput<Out> + 'static,
{
    map_loop(f, consumer, producer)
}

async fn map_loop<In: 'static, Out: 'static, R: MapOutput<Out>>(
    mut f: impl FnMut(&In) -> R,
    mut consumer: Consumer<'static, In>,
    producer: Producer<'static, Out>,
) {
    loop {
        let value = match consumer.recv().await {
            Ok(value) => value,
            // Lagged (or any kind `RecvError` may gain): the next value is the oldest held.
            Err(_) => continue,
        };
        if let Some(out) = f(&value).into_output() {
            producer.produce(out);
        }
    }
}

/// Start a `.transform(KEY, |b| b.on_input(h))` (the stateful form) on a single-threaded
/// executor: `h` owns the input's consumer and the output's producer.
pub fn run_on_input<In: 'static, Out: 'static, F, Fut>(
    f: F,
    consumer: Consumer<'static, In>,
    producer: Producer<'static, Out>,
) -> impl Future<Output = ()> + use<In, Out, F, Fut>
where
    F: FnOnce(Consumer<'static, In>, Producer<'static, Out>) -> Fut,
    Fut: Future<Output = ()>,
{
    f(consumer, producer)
}

/// Start an `.on_input` transform for a multi-threaded tokio runtime.
pub fn run_on_input_send<In: 'static, Out: 'static, F, Fut>(
    f: F,
    consumer: Consumer<'static, In>,
    producer: Producer<'static, Out>,
) -> impl Future<Output = ()> + Send + 'static + use<In, Out, F, Fut>
where
    F: FnOnce(Consumer<'static, In>, Producer<'static, Out>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    f(consumer, producer)
}

/// Start a `.transform_join(|b| .. .on_triggers(h))` on a single-threaded executor: `h` owns
/// the join's receiver and the output's producer.
pub fn run_join<S: JoinInputs, const N: usize, Out: 'static, F, Fut>(
    f: F,
    rx: JoinRx<S, N>,
    producer: Producer<'static, Out>,
) -> impl Future<Output = ()> + use<S, N, Out, F, Fut>
where
    F: FnOnce(JoinRx<S, N>, Producer<'static, Out>) -> Fut,
    Fut: Future<Output = ()>,
{
    f(rx, producer)
}

/// Start a join for a multi-threaded tokio runtime.
pub fn run_join_send<S: JoinInputs, const N: usize, Out: 'static, F, Fut>(
    f: F,
    rx: JoinRx<S, N>,
    producer: Producer<'static, Out>,
) -> impl Future<Output = ()> + Send + 'static + use<S, N, Out, F, Fut>
where
    F: FnOnce(JoinRx<S, N>, Producer<'static, Out>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    f(rx, producer)
}

/// Coerce a serializer to its fn-pointer type (the error, if any, is on the argument).
pub const fn serializer<T>(f: Serializer<T>) -> Serializer<T> {
    f
}

/// Coerce a deserializer to its fn-pointer type.
pub const fn deserializer<T>(f: Deserializer<T>) -> Deserializer<T> {
    f
}

/// A producer into a record's static buffer.
pub fn producer<T: 'static>(buffer: &'static Buffer<T>) -> Producer<'static, T> {
    Producer::new(buffer)
}

/// Subscribe a reader. The buffer's reader slots were counted from the topology, so this
/// fails only if user code subscribed to the node's buffer on its own.
pub fn subscribe<T: 'static>(
    buffer: &'static Buffer<T>,
    key: &'static str,
) -> Consumer<'static, T> {
    match Consumer::subscribe(buffer) {
        Ok(consumer) => consumer,
        Err(error) => panic!("aimdb: record `{key}`: {error}"),
    }
}

/// An inbound route's body: decode and produce.
pub fn deliver<T>(
    payload: &[u8],
    buffer: &'static Buffer<T>,
    decode: Deserializer<T>,
) -> Result<(), CodecError> {
    let value = decode(payload)?;
    buffer.produce(value);
    Ok(())
}

/// An outbound link task: every value of the record, serialized into a fixed buffer of
/// [`LINK_PAYLOAD_BYTES`](crate::LINK_PAYLOAD_BYTES), published once the connector is ready.
/// A lagged reader continues with the oldest value still held; a value that does not fit
/// or fails to encode is skipped. Both are reported to the connector
/// ([`Connector::skipped`]), which counts them with the link's figures.
pub async fn link_out<T: 'static>(
    mut consumer: Consumer<'static, T>,
    connector: &'static dyn Connector,
    address: &'static str,
    encode: Serializer<T>,
) {
    let mut payload = [0u8; crate::LINK_PAYLOAD_BYTES];
    loop {
        let value = match consumer.recv().await {
            Ok(value) => value,
            Err(RecvError::Lagged(missed)) => {
                connector.skipped(address, Skipped::Lagged(missed));
                continue;
            }
            Err(_) => continue,
        };
        let encoded = encode(&value, &mut payload);
        drop(value);
        let len = match encoded {
            Ok(len) => len,
            Err(error) => {
                connector.skipped(address, Skipped::Encode(error));
                continue;
            }
        };
        // A serializer that returns more bytes than the buffer holds: count it as oversize.
        let Some(bytes) = payload.get(..len) else {
            connector.skipped(address, Skipped::Encode(CodecError::Oversize));
            continue;
        };
        poll_fn(|cx| connector.poll_ready(cx)).await;
        // A full queue or an unrouted address drops the value; connectors count it.
        let _ = connector.publish(address, bytes);
    }
}

/// Await a spawned tokio task, propagating its panic.
#[cfg(feature = "tokio")]
pub async fn join(handle: tokio::task::JoinHandle<()>) {
    if let Err(error) = handle.await
        && error.is_panic()
    {
        std::panic::resume_unwind(error.into_panic());
    }
}

/// Spawn one of a node's tasks on tokio. Every task goes through one type-erased
/// `tokio::spawn`, so tokio's task machinery is instantiated once per binary, not once per
/// task (which made a node's build time grow with its size). One allocation per task, at
/// start-up; none per message.
#[cfg(feature = "tokio")]
#[inline]
pub fn spawn<F>(task: F) -> tokio::task::JoinHandle<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    spawn_erased(std::boxed::Box::pin(task))
}

#[cfg(feature = "tokio")]
fn spawn_erased(
    task: core::pin::Pin<std::boxed::Box<dyn Future<Output = ()> + Send + 'static>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(task)
}

/// How many of a node's tasks are alive, so a second concurrent `run` of the node fails at
/// once, naming it, instead of on a taken reader slot; and a node whose tasks all ended can
/// run again (their consumers, and so their reader slots, went with them).
#[cfg(feature = "tokio")]
pub struct Running {
    alive: core::sync::atomic::AtomicUsize,
}

#[cfg(feature = "tokio")]
impl Running {
    /// No task alive.
    pub const fn new() -> Self {
        Running {
            alive: core::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Claim the node for `tasks` tasks.
    ///
    /// # Panics
    /// If a task of an earlier `run` is still alive.
    pub fn start(&'static self, node: &str, tasks: usize) {
        use core::sync::atomic::Ordering;
        // One more than the tasks while starting, so a node with no task is claimed too.
        if self
            .alive
            .compare_exchange(0, tasks + 1, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            panic!(
                "aimdb: node `{node}` is already running in this process: its `run` may be called again only after every task of the running one has ended"
            );
        }
    }

    /// The start is over: the tasks hold the claim from now on.
    pub fn started(&'static self) {
        self.alive
            .fetch_sub(1, core::sync::atomic::Ordering::AcqRel);
    }

    /// A task's share of the claim, given back when the task ends (returns, panics or is
    /// dropped with its runtime).
    pub fn task(&'static self) -> Alive {
        Alive(self)
    }
}

#[cfg(feature = "tokio")]
impl Default for Running {
    fn default() -> Self {
        Self::new()
    }
}

/// One live task of a node ([`Running::task`]).
#[cfg(feature = "tokio")]
pub struct Alive(&'static Running);

#[cfg(feature = "tokio")]
impl Drop for Alive {
    fn drop(&mut self) {
        self.0
            .alive
            .fetch_sub(1, core::sync::atomic::Ordering::AcqRel);
    }
}

/// A node's count of sources and taps that returned (see the generated `tasks_returned`).
pub struct Returned<M: aimdb_core::mutex::RawMutex> {
    count: embassy_sync::blocking_mutex::Mutex<M, core::cell::Cell<u32>>,
}

impl<M: aimdb_core::mutex::RawMutex> Returned<M> {
    /// None yet.
    pub const fn new() -> Self {
        Returned {
            count: embassy_sync::blocking_mutex::Mutex::new(core::cell::Cell::new(0)),
        }
    }

    /// A task's function returned: count it and say which.
    pub fn returned(&self, node: &str, role: &str, function: &str, key: &str) {
        self.count.lock(|c| c.set(c.get().saturating_add(1)));
        #[cfg(feature = "tokio")]
        tracing::warn!(
            target: "aimdb::node",
            node,
            record = key,
            role,
            function,
            "a task's function returned; it no longer runs"
        );
        #[cfg(not(feature = "tokio"))]
        log::warn!(
            "aimdb: {role} `{function}` of record `{key}` (node `{node}`) returned; it no longer runs"
        );
    }

    /// How many returned.
    pub fn count(&self) -> u32 {
        self.count.lock(|c| c.get())
    }
}

impl<M: aimdb_core::mutex::RawMutex> Default for Returned<M> {
    fn default() -> Self {
        Self::new()
    }
}

/// A fingerprint's 16 hex digits, as `Fingerprint`'s `Display` writes them, in a `const`:
/// the pinned-contract check puts the type's actual fingerprint in its compile error.
pub const fn hex_digits(n: u64) -> [u8; 16] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        out[i] = DIGITS[((n >> (60 - 4 * i)) & 0xf) as usize];
        i += 1;
    }
    out
}

/// `parts` end to end in `N` bytes (the generated code counts `N`), in a `const`.
pub const fn join_bytes<const N: usize>(parts: &[&[u8]]) -> [u8; N] {
    let mut out = [0u8; N];
    let (mut at, mut part) = (0, 0);
    while part < parts.len() {
        let mut i = 0;
        while i < parts[part].len() {
            out[at] = parts[part][i];
            at += 1;
            i += 1;
        }
        part += 1;
    }
    out
}

/// Bytes the generated code assembled from UTF-8 parts, as a `&str` (empty if they were not).
pub const fn as_str(bytes: &[u8]) -> &str {
    match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => "",
    }
}
