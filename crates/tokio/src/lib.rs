//! strata connections over tokio: a [`TlsStream`] is `AsyncRead + AsyncWrite` over any
//! tokio transport (a `TcpStream`, a Unix socket, an in-memory `duplex`), and the
//! handshake's requests can be answered by async code without blocking a thread.
//!
//! ```no_run
//! # async fn run(config: std::sync::Arc<strata::ClientConfig>) -> std::io::Result<()> {
//! use strata::pki_types::ServerName;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let tcp = tokio::net::TcpStream::connect("example.com:443").await?;
//! let name = ServerName::try_from("example.com").map_err(std::io::Error::other)?;
//! let mut tls = strata_tokio::connect(config, name, tcp).await?;
//! tls.write_all(b"GET / HTTP/1.0\r\n\r\n").await?;
//! let mut response = Vec::new();
//! tls.read_to_end(&mut response).await?;
//! # Ok(())
//! # }
//! ```
//!
//! The connection underneath is the sans-IO [`strata::Connection`]; this crate only moves
//! its bytes. Where the configuration says [`strata::AnswerMode::Application`], the
//! handshake stops at each request (a certificate to choose, a signature to make, a chain
//! to check) and [`TlsStream::handshake_answering`] awaits the application's answer: a
//! signature from a remote key service, say, while the thread serves other connections.
//!
//! Errors are `io::Error`s; one that the TLS connection raised wraps a [`strata::Error`]
//! (`get_ref()` and `downcast_ref` give it back, with the alert it sent or received).
#![forbid(unsafe_code)]

mod handshake;
mod stream;
mod sync_io;

pub use handshake::{accept, connect};
pub use stream::TlsStream;
