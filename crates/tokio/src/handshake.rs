//! Running the handshake: with the configuration's answers ([`connect`], [`accept`],
//! [`TlsStream::handshake`]) or with the application's, awaited
//! ([`TlsStream::handshake_answering`]).

use std::future::{poll_fn, Future};
use std::io;
use std::ops::DerefMut;
use std::sync::Arc;

use strata::pki_types::ServerName;
use strata::{
    Answer, ClientConfig, ClientConnection, Connection, Request, ServerConfig, ServerConnection,
};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::stream::TlsStream;

/// Connects to `server_name` over `io` and runs the handshake.
pub async fn connect<IO>(
    config: Arc<ClientConfig>,
    server_name: ServerName<'static>,
    io: IO,
) -> io::Result<TlsStream<ClientConnection, IO>>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let conn = ClientConnection::new(config, server_name).map_err(io::Error::other)?;
    let mut stream = TlsStream::new(conn, io);
    stream.handshake().await?;
    Ok(stream)
}

/// Accepts a client on `io` and runs the handshake.
pub async fn accept<IO>(
    config: Arc<ServerConfig>,
    io: IO,
) -> io::Result<TlsStream<ServerConnection, IO>>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let conn = ServerConnection::new(config).map_err(io::Error::other)?;
    let mut stream = TlsStream::new(conn, io);
    stream.handshake().await?;
    Ok(stream)
}

impl<C, IO> TlsStream<C, IO>
where
    C: DerefMut<Target = Connection>,
    IO: AsyncRead + AsyncWrite + Unpin,
{
    /// Runs the handshake to its end (nothing to do once it is done), with the
    /// configuration's answers (`AnswerMode::Inline`). It returns once this side's last
    /// flight is written; what follows the handshake (a TLS 1.3 server's session tickets)
    /// goes as far as the transport takes it, the rest with the next read, write or flush
    /// ([`Connection::wants_write_handshake`]).
    pub async fn handshake(&mut self) -> io::Result<()> {
        poll_fn(|cx| self.poll_handshake(cx)).await?;
        poll_fn(|cx| self.poll_send_handshake(cx)).await
    }

    /// Runs the handshake to its end, awaiting `answer` for each request the handshake
    /// stops at (`AnswerMode::Application`): the connection waits, the thread does not.
    /// Requests the application leaves to the configuration can be answered with
    /// [`Connection::configured_answers`], taken before the handshake:
    ///
    /// ```no_run
    /// # async fn run(mut tls: strata_tokio::TlsStream<strata::ServerConnection, tokio::net::TcpStream>) -> std::io::Result<()> {
    /// use strata::{Answer, Request};
    ///
    /// let configured = tls.conn().configured_answers();
    /// tls.handshake_answering(|request| {
    ///     let configured = configured.clone();
    ///     async move {
    ///         match request {
    ///             // A remote key service would sign here, awaited.
    ///             Request::Sign { key, scheme, message } => {
    ///                 Answer::Signature(key.sign(scheme, &message))
    ///             }
    ///             other => configured.answer(&other),
    ///         }
    ///     }
    /// })
    /// .await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// A failure is reported after its alert is sent. Dropping the future mid-handshake
    /// leaves the connection waiting where it was: drop the stream with it.
    pub async fn handshake_answering<F, Fut>(&mut self, mut answer: F) -> io::Result<()>
    where
        F: FnMut(Request) -> Fut,
        Fut: Future<Output = Answer>,
    {
        while let Some(request) = poll_fn(|cx| self.poll_handshake_step(cx)).await? {
            let answer = answer(request).await;
            // A refused answer fails the connection, which keeps the error: the next step
            // sends the alert, then reports it.
            let _failed = self.conn.answer(answer).is_err();
        }
        poll_fn(|cx| self.poll_send_handshake(cx)).await
    }
}
