//! A framed connector's I/O over any `embedded-io-async` stream: the receive loop (frames
//! to routes), the transmit loop (outbox to frames: the `link_out` side), and `run` for
//! both.

use core::convert::Infallible;
use core::future::{Future, poll_fn};
use core::pin::pin;
use core::task::Poll;

use aimdb_core::mutex::RawMutex;
use embedded_io_async::{Read, Write};

use super::frame::parse_frame;
use super::framed::{Addressing, FramedConnector};
use crate::cobs::{CobsDecoder, CobsEncoder, DecodeError};
use crate::counters::bump;

/// Why one direction of the stream stopped.
#[derive(Debug, PartialEq, Eq)]
pub enum StreamEnd<E> {
    /// The stream reported an error (a UART overrun, a reset connection).
    Error(E),
    /// The stream is closed: a read returned 0 bytes, or a write took none.
    Closed,
}

/// Why [`FramedConnector::run`] returned. Queued frames stay queued; call `run` again
/// (with the same or a new stream) to continue.
#[derive(Debug, PartialEq, Eq)]
pub enum RunEnd<R, W> {
    /// The receiving side stopped.
    Read(StreamEnd<R>),
    /// The transmitting side stopped.
    Write(StreamEnd<W>),
}

/// Bytes read from the stream at a time.
const READ_CHUNK: usize = 64;

/// Bytes collected before a write: room for two COBS blocks, so small frames are written
/// in batches when several are queued.
const WRITE_BUFFER: usize = 512;

impl<A: Addressing, M: RawMutex, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize>
    FramedConnector<A, M, QUEUE, MAX_FRAME, LINKS>
{
    /// Exchange frames over a stream until either direction fails: write queued frames to
    /// `writer`, and deliver frames read from `reader` through the attached routes.
    ///
    /// The node's firmware runs this as a task, in a loop (a UART overrun ends a run; the
    /// next run starts at the next frame). A frame that was being written when the run
    /// ended is lost; the rest of the queue is kept.
    pub async fn run<R: Read, W: Write>(&self, reader: R, writer: W) -> RunEnd<R::Error, W::Error> {
        bump(&self.counters.runs);
        let end = match first(self.run_rx(reader), self.run_tx(writer)).await {
            Either::Left(end) => RunEnd::Read(end),
            Either::Right(end) => RunEnd::Write(end),
        };
        bump(&self.counters.stream_errors);
        end
    }

    /// The receiving half of [`run`](Self::run), for firmware that runs the two halves as
    /// separate tasks. Returns when the stream fails or closes.
    pub async fn run_rx<R: Read>(&self, mut reader: R) -> StreamEnd<R::Error> {
        let mut decoder = CobsDecoder::<MAX_FRAME>::new();
        let mut chunk = [0u8; READ_CHUNK];
        loop {
            let n = match reader.read(&mut chunk).await {
                Ok(0) => return StreamEnd::Closed,
                Ok(n) => n,
                Err(error) => return StreamEnd::Error(error),
            };
            let mut input = &chunk[..n];
            while let Some(result) = decoder.feed(&mut input) {
                match result {
                    Ok(frame) => self.receive(frame),
                    Err(DecodeError::Oversize) => bump(&self.counters.oversize),
                    Err(DecodeError::Malformed) => bump(&self.counters.malformed),
                }
            }
        }
    }

    /// The transmitting half of [`run`](Self::run). Returns when the stream fails or
    /// closes.
    pub async fn run_tx<W: Write>(&self, writer: W) -> StreamEnd<W::Error> {
        match self.transmit(writer).await {
            Err(end) => end,
            Ok(never) => match never {},
        }
    }

    async fn transmit<W: Write>(&self, mut writer: W) -> Result<Infallible, StreamEnd<W::Error>> {
        let mut encoder = CobsEncoder::new();
        let mut out = Output {
            bytes: [0; WRITE_BUFFER],
            len: 0,
        };
        // A lone delimiter ends any partial frame the receiver holds from an earlier run,
        // so the first frame of this run is not glued to it.
        out.bytes[0] = 0;
        out.len = 1;
        let mut frame = [0u8; MAX_FRAME];
        loop {
            if self.outbox.is_empty() && out.len > 0 {
                out.write_to(&mut writer).await?;
                writer.flush().await.map_err(StreamEnd::Error)?;
            }
            let (slot, len) = self.outbox.pop(&mut frame).await;
            for &byte in &frame[..len] {
                if let Some(block) = encoder.push(byte) {
                    out.append(block, &mut writer).await?;
                }
            }
            out.append(encoder.finish(), &mut writer).await?;
            bump(&self.counters.frames_sent);
            self.links.sent(slot);
        }
    }

    /// Route one decoded frame.
    fn receive(&self, frame: &[u8]) {
        let Ok((id, payload)) = parse_frame(frame) else {
            bump(&self.counters.malformed);
            return;
        };
        bump(&self.counters.frames_received);
        if !self.links.deliver(id, payload) {
            bump(&self.counters.unrouted);
        }
    }
}

/// Encoded bytes waiting to be written.
struct Output {
    bytes: [u8; WRITE_BUFFER],
    len: usize,
}

impl Output {
    /// Add `block` (at most 256 bytes), writing out what is buffered first if it would
    /// not fit.
    async fn append<W: Write>(
        &mut self,
        block: &[u8],
        writer: &mut W,
    ) -> Result<(), StreamEnd<W::Error>> {
        if self.len + block.len() > self.bytes.len() {
            self.write_to(writer).await?;
        }
        self.bytes[self.len..self.len + block.len()].copy_from_slice(block);
        self.len += block.len();
        Ok(())
    }

    /// Write everything buffered. A write that takes no bytes means the stream is closed
    /// (`write_all` would panic on it).
    async fn write_to<W: Write>(&mut self, writer: &mut W) -> Result<(), StreamEnd<W::Error>> {
        let mut rest = &self.bytes[..self.len];
        while !rest.is_empty() {
            match writer.write(rest).await {
                Ok(0) => return Err(StreamEnd::Closed),
                Ok(n) => rest = &rest[n..],
                Err(error) => return Err(StreamEnd::Error(error)),
            }
        }
        self.len = 0;
        Ok(())
    }
}

pub(super) enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Run two futures until the first finishes (the other is dropped).
pub(super) async fn first<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    poll_fn(|cx| {
        if let Poll::Ready(x) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(x));
        }
        if let Poll::Ready(y) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(y));
        }
        Poll::Pending
    })
    .await
}
