//! strata: TLS 1.3 (and, soon, 1.2) client and server connections with mutual
//! authentication, composed from the strata layers.
//!
//! This crate is the facade: it owns the configuration, moves bytes between the record
//! and handshake layers, and answers the handshake's requests (certificate choice,
//! signing, chain checks) with the configured objects, or hands them to the application
//! ([`AnswerMode::Application`]) so that a signer in an HSM never blocks a thread.
//!
//! - [`ClientConfig`], [`ServerConfig`]: built once, shared by connections;
//! - [`ClientConnection`], [`ServerConnection`]: sans-IO connections (they dereference to
//!   [`Connection`]);
//! - [`Stream`]: a blocking stream over any `Read + Write`;
//! - [`KeyLog`]: the opt-in NSS key log (SSLKEYLOGFILE), the only way secrets leave;
//! - [`TimeProvider`] and [`RandomSource`]: the clock and the randomness, injected;
//! - [`ResolvesServerCert`]: the server's choice of certificate by SNI and by the client's
//!   signature schemes;
//! - [`trace`]: a one-line view of each handshake message, for `strata --trace`.
//!
//! A client that trusts one CA and presents a certificate of its own (mutual TLS):
//!
//! ```no_run
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//! use std::sync::Arc;
//! use strata::{pki_types::ServerName, CertifiedKey, ClientConfig, ClientConnection, Stream, TrustAnchors};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = ClientConfig::builder_with_roots(TrustAnchors::from_file("ca.pem")?)?
//!     .client_certificate(Arc::new(CertifiedKey::from_files("client.pem", "client.key")?))
//!     .build()?;
//! let conn = ClientConnection::new(config, ServerName::try_from("example.com")?)?;
//! let mut tls = Stream::new(conn, TcpStream::connect("example.com:443")?);
//! tls.write_all(b"GET / HTTP/1.0\r\n\r\n")?;
//! let mut page = Vec::new();
//! tls.read_to_end(&mut page)?;
//! # Ok(()) }
//! ```
//!
//! A server that requires client certificates from that CA:
//!
//! ```no_run
//! use std::io::Write;
//! use std::net::TcpListener;
//! use std::sync::Arc;
//! use strata::{CertifiedKey, ServerConfig, ServerConnection, Stream, TrustAnchors};
//! use strata_pki::WebPkiClientVerifier;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cert = Arc::new(CertifiedKey::from_files("server.pem", "server.key")?);
//! let clients = WebPkiClientVerifier::new(Arc::new(TrustAnchors::from_file("ca.pem")?))?;
//! let config = ServerConfig::builder_with_certificates(vec![cert])
//!     .client_auth(Arc::new(clients))
//!     .build()?;
//! for tcp in TcpListener::bind("0.0.0.0:4433")?.incoming() {
//!     let mut tls = Stream::new(ServerConnection::new(config.clone())?, tcp?);
//!     tls.write_all(b"hello, authenticated client\n")?;
//!     tls.close()?;
//! }
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

mod client;
pub mod config;
mod conn;
mod error;
pub mod keylog;
mod pool;
pub mod providers;
pub mod resolve;
mod server;
pub mod session;
pub mod stream;
pub mod trace;

pub use client::ClientConnection;
pub use config::{
    AnswerMode, ClientConfig, ClientConfigBuilder, Limits, ServerConfig, ServerConfigBuilder,
};
pub use conn::{ConfiguredAnswers, Connection, OpenedRecord, Reader, RecordLayout, Writer};
pub use error::Error;
pub use keylog::{KeyLog, KeyLogFile, NoKeyLog};
pub use providers::{
    FixedClock, OsRandom, RandomError, RandomSource, RngSource, SystemClock, TimeProvider,
};
pub use resolve::{CertificatesBySni, ClientHelloInfo, FixedCertificates, ResolvesServerCert};
pub use server::ServerConnection;
pub use session::{ClientSessionStore, MemorySessionStore};
/// The alerts an [`Error`] names as sent or received.
pub use strata_alert::AlertDescription;
pub use strata_handshake::extensions::PskKeyExchangeMode;
pub use strata_handshake::machine::{Answer, Negotiated, Request};
pub use strata_handshake::{ServerSession, ServerSessionStore, SessionCache, TicketKeys};
pub use strata_pki::pki_types;
pub use strata_pki::{CertifiedKey, TlsVersion, TrustAnchors};
pub use stream::Stream;

#[cfg(test)]
mod tests {
    /// The handles box their connection (see [`crate::Connection`]): moving one copies a
    /// pointer, not the connection's 2 KB.
    #[test]
    fn connection_handles_are_one_pointer() {
        use core::mem::size_of;
        assert_eq!(size_of::<crate::ClientConnection>(), size_of::<usize>());
        assert_eq!(size_of::<crate::ServerConnection>(), size_of::<usize>());
    }
}
