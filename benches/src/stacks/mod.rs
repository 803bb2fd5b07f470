//! The three stacks behind one interface: a [`Stack`] is one configuration of a TLS
//! implementation (both sides' configs, built once), and makes [`Endpoint`]s, the client
//! and server connections, which exchange TLS bytes through caller-owned buffers.

use crate::setup::{Pki, Setup};

pub mod openssl;
pub mod openssl_resumed;
pub mod rustls;
pub mod strata;

/// Why a stack cannot be set up for a [`Setup`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupError {
    /// The stack refuses the configuration because it does not implement it yet: the row
    /// is reported as "n/a" and lights up once it does.
    NotImplemented(String),
    /// Anything else: a bug in the harness or in the stack.
    Failed(String),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotImplemented(why) => write!(f, "not implemented yet: {why}"),
            Self::Failed(why) => write!(f, "{why}"),
        }
    }
}

/// One side of a connection, sans-IO: the caller carries TLS bytes between the two.
pub trait Endpoint {
    /// Takes `tls`, bytes the peer sent, whole; processes them (handshake messages,
    /// records) and reads every byte of plaintext they carried into `sink`, overwriting it
    /// from the start as often as it takes. Returns the count of plaintext bytes read.
    fn receive(&mut self, tls: &[u8], sink: &mut [u8]) -> Result<usize, String>;

    /// Appends every TLS byte the endpoint has to send to `out`.
    fn transmit(&mut self, out: &mut Vec<u8>) -> Result<(), String>;

    /// Queues `data` as application data, whole (sealed into records that the next
    /// [`Endpoint::transmit`] sends).
    fn send_plaintext(&mut self, data: &[u8]) -> Result<(), String>;

    /// [`Endpoint::send_plaintext`] then [`Endpoint::transmit`]: what the bulk rows time
    /// as sending. A stack that can seal straight into `out` does it in one step.
    fn send_into(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        self.send_plaintext(data)?;
        self.transmit(out)
    }

    /// Whether the handshake has yet to complete on this side.
    fn is_handshaking(&self) -> bool;

    /// Checks, after the handshake, that what was negotiated is what `setup` asked for:
    /// the version, the suite, and (on the server) whether the client sent a certificate.
    fn check(&self, setup: &Setup) -> Result<(), String>;

    /// Whether the handshake resumed an earlier session, as the stack says it.
    fn is_resumed(&self) -> bool;
}

/// A TLS implementation configured for one [`Setup`].
pub trait Stack: Sized {
    /// The client connection.
    type Client: Endpoint + 'static;
    /// The server connection.
    type Server: Endpoint + 'static;

    /// "strata", "rustls" or "OpenSSL".
    const NAME: &'static str;

    /// Builds both sides' configurations. With `setup.resumed` the client keeps what the
    /// server gives it to resume (a ticket, a session) and offers it in its next
    /// connection.
    fn new(pki: &Pki, setup: &Setup) -> Result<Self, SetupError>;

    /// Why the harness cannot measure this stack in `setup`, if it cannot (the row says
    /// "n/a (why)"); `None` by default.
    fn unavailable(_setup: &Setup) -> Option<&'static str> {
        None
    }

    /// A new client connection; it has its first flight (ClientHello) ready to transmit.
    fn client(&self) -> Result<Self::Client, String>;

    /// A new server connection.
    fn server(&self) -> Result<Self::Server, String>;
}
