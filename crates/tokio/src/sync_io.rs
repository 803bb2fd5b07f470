//! A tokio transport seen as `std::io::Read + Write` for one poll: the connection's
//! `read_tls` and `write_tls` take those, and "not ready" becomes `WouldBlock`, with the
//! task's waker registered by the poll that said so.

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// `io` during one poll with `cx`.
pub(crate) struct SyncIo<'a, 'b, IO> {
    pub(crate) io: &'a mut IO,
    pub(crate) cx: &'a mut Context<'b>,
}

/// `Pending` as `WouldBlock`: the caller returns `Pending` in turn, and the waker the
/// transport registered wakes the task when it is ready.
fn ready<T>(poll: Poll<io::Result<T>>) -> io::Result<T> {
    match poll {
        Poll::Ready(result) => result,
        Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
    }
}

impl<IO: AsyncRead + Unpin> Read for SyncIo<'_, '_, IO> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut buf = ReadBuf::new(buf);
        ready(Pin::new(&mut *self.io).poll_read(self.cx, &mut buf))?;
        Ok(buf.filled().len())
    }
}

impl<IO: AsyncWrite + Unpin> Write for SyncIo<'_, '_, IO> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        ready(Pin::new(&mut *self.io).poll_write(self.cx, buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        ready(Pin::new(&mut *self.io).poll_flush(self.cx))
    }
}
