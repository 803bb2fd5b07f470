//! [`TlsStream`]: a connection and its transport, used through `AsyncRead` and
//! `AsyncWrite`.

use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use strata::{Connection, Request};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::sync_io::SyncIo;

/// A TLS connection (`C`: a [`strata::ClientConnection`] or [`strata::ServerConnection`])
/// over a tokio transport `IO`.
///
/// [`connect`](crate::connect) and [`accept`](crate::accept) return one with the handshake
/// done. One made with [`TlsStream::new`] runs the handshake on its first read, write or
/// [`TlsStream::handshake`], answering requests the way the configuration says
/// (`AnswerMode::Inline`); with `AnswerMode::Application`, call
/// [`TlsStream::handshake_answering`] first.
///
/// Writes are taken only once the records before them are on the transport, so a peer
/// that stops reading holds back the writer instead of growing a buffer; a read never
/// waits for writing. Shutting down sends close_notify (RFC 8446 §6.1); a read returns 0
/// bytes only after the peer's close_notify, and an `UnexpectedEof` error when the
/// transport ended without one. When the connection fails after the handshake, its
/// alert goes out as far as the transport takes it at once, and shutting down sends the
/// rest.
#[derive(Debug)]
pub struct TlsStream<C, IO> {
    pub(crate) conn: C,
    pub(crate) io: IO,
}

impl<C, IO> TlsStream<C, IO> {
    /// `conn` over `io`; nothing is sent until the stream is used.
    pub fn new(conn: C, io: IO) -> Self {
        Self { conn, io }
    }

    /// The connection: what was negotiated, the peer's certificates, exporters.
    pub fn conn(&self) -> &C {
        &self.conn
    }

    /// The connection, to update keys or queue close_notify by hand.
    pub fn conn_mut(&mut self) -> &mut C {
        &mut self.conn
    }

    /// The transport.
    pub fn io(&self) -> &IO {
        &self.io
    }

    /// The transport; bytes read or written through it bypass TLS and break the stream.
    pub fn io_mut(&mut self) -> &mut IO {
        &mut self.io
    }

    /// The connection and the transport, apart.
    pub fn into_parts(self) -> (C, IO) {
        (self.conn, self.io)
    }
}

impl<C, IO> TlsStream<C, IO>
where
    C: DerefMut<Target = Connection>,
    IO: AsyncRead + AsyncWrite + Unpin,
{
    /// Writes queued TLS bytes to the transport: `Ready(Ok)` once none are left, `Pending`
    /// while the transport takes no more.
    pub(crate) fn poll_write_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_write_tls_while(cx, Connection::wants_write)
    }

    /// Writes queued TLS bytes while `more` says the connection has bytes that must go.
    fn poll_write_tls_while(
        &mut self,
        cx: &mut Context<'_>,
        more: fn(&Connection) -> bool,
    ) -> Poll<io::Result<()>> {
        while more(&self.conn) {
            let mut io = SyncIo {
                io: &mut self.io,
                cx,
            };
            match self.conn.write_tls(&mut io) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(()))
    }

    /// [`poll_write_tls`](Self::poll_write_tls), but when the transport says the peer went
    /// away, the error is the peer's alert if it sent one before it went: a server that
    /// refuses a client's certificate closes while the client may still be writing.
    pub(crate) fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let sent = ready!(self.poll_write_tls(cx));
        Poll::Ready(self.or_peer_alert(sent, cx))
    }

    /// The end of a handshake: its last flight written (the peer needs it to finish), and
    /// what follows it (a TLS 1.3 server's tickets) as far as the transport takes it now;
    /// the rest goes with the next read, write or flush, so that a peer that reads
    /// nothing until it writes does not hold up this side.
    pub(crate) fn poll_send_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let sent = ready!(self.poll_write_tls_while(cx, Connection::wants_write_handshake));
        self.or_peer_alert(sent, cx)?;
        match self.poll_write_tls(cx) {
            Poll::Ready(Err(err)) => Poll::Ready(self.or_peer_alert(Err(err), cx)),
            _ => Poll::Ready(Ok(())),
        }
    }

    /// `sent`, with a transport error that says the peer went away replaced by the
    /// peer's alert, if it sent one before it went.
    fn or_peer_alert(&mut self, sent: io::Result<()>, cx: &mut Context<'_>) -> io::Result<()> {
        match sent {
            Err(err) if peer_went_away(&err) => Err(self.peer_alert_or(err, cx)),
            done => done,
        }
    }

    /// The peer's alert among the bytes the transport still holds, else `err`.
    fn peer_alert_or(&mut self, err: io::Error, cx: &mut Context<'_>) -> io::Error {
        while self.conn.error().is_none() && self.conn.wants_read() {
            match self.poll_read_tls(cx) {
                Poll::Ready(Ok(n)) if n > 0 => {}
                _ => break,
            }
        }
        match self.conn.error() {
            Some(tls) => io::Error::other(tls.clone()),
            None => err,
        }
    }

    /// Reads from the transport once and processes what came: `Ready(Ok(n))` for `n`
    /// bytes read, 0 at the transport's end. A TLS failure is not returned here: the
    /// connection keeps it (and has queued its alert), and the caller reports it after
    /// sending the alert.
    pub(crate) fn poll_read_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut io = SyncIo {
            io: &mut self.io,
            cx,
        };
        let n = match self.conn.read_tls(&mut io) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Poll::Pending,
            Err(e) => return Poll::Ready(Err(e)),
        };
        // An error is kept by the connection: `error()` and `read_plaintext` report it.
        let _failed = self.conn.process_new_packets().is_err();
        Poll::Ready(Ok(n))
    }

    /// The connection's failure, once its alert is sent (or the transport refused it).
    pub(crate) fn poll_failure(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Error>> {
        let Some(err) = self.conn.error() else {
            return Poll::Ready(None);
        };
        let err = io::Error::other(err.clone());
        // Whether the alert went out or not, the failure is what is reported.
        let _sent = ready!(self.poll_write_tls(cx));
        Poll::Ready(Some(err))
    }

    /// Runs the handshake until it is done (`Ready(Ok(None))`) or stops at a request for
    /// the application (`Ready(Ok(Some(request)))`, in `AnswerMode::Application`). Its
    /// last flight may still be queued: once the handshake is done, reading must not wait
    /// for writing (a peer writing as much as this side would wait the same way), so the
    /// caller flushes where it needs to.
    pub(crate) fn poll_handshake_step(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<Request>>> {
        loop {
            // Done once, done: a later failure is for reads and writes to report, without
            // waiting on a transport that may be full.
            if self.conn.negotiated().is_some() {
                return Poll::Ready(Ok(None));
            }
            if let Some(err) = ready!(self.poll_failure(cx)) {
                return Poll::Ready(Err(err));
            }
            // The peer waits for this side's flight, so it goes out before anything is
            // read.
            ready!(self.poll_send(cx))?;
            if let Some(request) = self.conn.take_request() {
                return Poll::Ready(Ok(Some(request)));
            }
            if self.conn.is_waiting_for_answer() {
                return Poll::Ready(Err(io::Error::other(
                    "the handshake waits for an answer to a request already taken",
                )));
            }
            if ready!(self.poll_read_tls(cx))? == 0 && self.conn.error().is_none() {
                return Poll::Ready(Err(peer_closed_during_handshake()));
            }
        }
    }

    /// [`poll_handshake_step`](Self::poll_handshake_step) with the configuration's inline
    /// answers: a request for the application is an error.
    pub(crate) fn poll_handshake(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match ready!(self.poll_handshake_step(cx))? {
            None => Poll::Ready(Ok(())),
            Some(_) => Poll::Ready(Err(io::Error::other(
                "the handshake waits for the application's answer \
                 (AnswerMode::Application): use TlsStream::handshake_answering",
            ))),
        }
    }
}

/// Whether a transport error means the peer closed its end (it may have sent an alert
/// first).
fn peer_went_away(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
    )
}

fn peer_closed_during_handshake() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the peer closed the transport during the handshake",
    )
}

impl<C, IO> AsyncRead for TlsStream<C, IO>
where
    C: DerefMut<Target = Connection> + Unpin,
    IO: AsyncRead + AsyncWrite + Unpin,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_handshake(cx))?;
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        loop {
            match this.conn.read_plaintext(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    // A failure's alert goes out if the transport takes it now.
                    let _sent = this.poll_write_tls(cx);
                    return Poll::Ready(Err(e));
                }
            }
            // What reading queued (a KeyUpdate's answer, an alert) goes out when the
            // transport takes it; a full transport does not hold up the read, and a peer
            // that went away is for the read to report (close_notify, or truncation).
            match this.poll_write_tls(cx) {
                Poll::Ready(Err(e)) if !peer_went_away(&e) => return Poll::Ready(Err(e)),
                _ => {}
            }
            if !this.conn.wants_read() {
                return Poll::Ready(Err(io::Error::other(
                    "the connection reads no more and has nothing to give",
                )));
            }
            // 0 bytes (the transport's end) is for read_plaintext to judge: close_notify
            // or truncation.
            ready!(this.poll_read_tls(cx))?;
        }
    }
}

impl<C, IO> AsyncWrite for TlsStream<C, IO>
where
    C: DerefMut<Target = Connection> + Unpin,
    IO: AsyncRead + AsyncWrite + Unpin,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_handshake(cx))?;
        // New plaintext only once the records before it are out: the backpressure.
        ready!(this.poll_send(cx))?;
        let n = this.conn.write_plaintext(buf)?;
        // Sent now if the transport takes it; the bytes are the connection's either way.
        if let Poll::Ready(Err(e)) = this.poll_send(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    /// Sends close_notify (once), then shuts the transport's write side.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.conn.send_close_notify();
        ready!(this.poll_write_tls(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}
