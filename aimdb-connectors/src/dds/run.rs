//! The connector's tokio tasks: one per inbound link (rustdds's sample stream into the
//! route), one per domain keeping the ownership table current.

use std::sync::Arc;
use std::time::Duration;

use aimdb_core::connector::CodecError;
use futures_util::StreamExt;

use super::counters::DdsCounters;
use super::domain::Reader;
use super::owners::{Owners, Verdict};
use super::{Link, header};
use crate::counters::bump;

/// How often discovery news is taken into the ownership table when no sample asks for it
/// (the status channel is bounded; news is also taken whenever a sample needs it).
const DRAIN_EVERY: Duration = Duration::from_millis(200);

/// Deliver `reader`'s samples from the topic's owner to `deliver`, counting the rest.
pub(crate) fn spawn_reader(
    runtime: &tokio::runtime::Handle,
    counters: Arc<DdsCounters>,
    link: Arc<Link>,
    reader: Reader,
    deliver: fn(&[u8]) -> Result<(), CodecError>,
) {
    runtime.spawn(async move {
        let mut samples = core::pin::pin!(reader.as_async_stream());
        let mut last_owner = None;
        while let Some(sample) = samples.next().await {
            let mut sample = match sample {
                Ok(sample) => sample,
                Err(e) => {
                    // Logged the first time, counted always: a foreign peer's bad samples
                    // must not flood the log.
                    if counters.read_errors.fetch_add(1, core::sync::atomic::Ordering::Relaxed) == 0 {
                        tracing::warn!(target: "aimdb::dds", address = link.address, error = %e, "read failed (logged once, counted in `read_errors`)");
                    }
                    continue;
                }
            };
            let owners = &link.domain.owners;
            let partition = link.partition.as_deref();
            if owners.verdict(&link.topic, partition, sample.writer_guid, &mut last_owner)
                == Verdict::Outranked
            {
                bump(&counters.foreign_writer);
                continue;
            }
            let frame = &mut sample.sample;
            if frame.oversize {
                bump(&link.counters.oversize);
                continue;
            }
            link.counters
                .delivered(deliver(frame.payload(header(&link))));
        }
    });
}

/// Take discovery news into `owners` every [`DRAIN_EVERY`].
pub(crate) fn drain_discovery(runtime: &tokio::runtime::Handle, owners: Arc<Owners>) {
    runtime.spawn(async move {
        let mut tick = tokio::time::interval(DRAIN_EVERY);
        loop {
            tick.tick().await;
            owners.drain();
        }
    });
}
