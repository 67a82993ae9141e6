//! The serial connector on tokio streams (feature `serial-tokio`): the host side of a
//! serial link, typically a TCP stream to QEMU's `-serial tcp:...` port or a serial
//! device opened as an `AsyncRead + AsyncWrite`.

use aimdb_core::mutex::RawMutex;
use embedded_io_adapters::tokio_1::FromTokio;
use tokio::io::{AsyncRead, AsyncWrite};

use super::{RunEnd, SerialConnector};

impl<M: RawMutex, const QUEUE: usize, const MAX_FRAME: usize, const LINKS: usize>
    SerialConnector<M, QUEUE, MAX_FRAME, LINKS>
{
    /// [`run`](Self::run) over a tokio byte stream (a `TcpStream`, say): returns when the
    /// stream fails or the other end closes it.
    pub async fn run_tokio<S: AsyncRead + AsyncWrite>(
        &self,
        stream: S,
    ) -> RunEnd<std::io::Error, std::io::Error> {
        let (reader, writer) = tokio::io::split(stream);
        self.run(FromTokio::new(reader), FromTokio::new(writer))
            .await
    }
}
