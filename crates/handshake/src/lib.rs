//! TLS 1.2 and 1.3 handshake messages, key schedules and state machines.
#![forbid(unsafe_code)]

mod codepoint;
mod error;
pub mod extensions;
pub mod framing;
pub mod key_schedule;
pub mod kx;
pub mod limits;
pub mod messages;
pub mod suites;
mod wire;

pub use codepoint::{CipherSuite, ExtensionType, HandshakeType, NamedGroup};
pub use error::HandshakeError;
pub use extensions::{Extension, ExtensionContext, Extensions};
pub use framing::{HandshakeFrame, HandshakeJoiner};
pub use key_schedule::transcript::{Transcript, TranscriptHash};
pub use key_schedule::{HashAlgorithm, Secret, TrafficKeys};
pub use kx::{EphemeralKeyPair, KeyExchangeGroup, SharedSecret, SUPPORTED_GROUPS};
pub use messages::{HandshakeMessage, RawMessage, TlsVersion};
pub use suites::{SupportedSuite, Tls12Auth, ALL_SUITES};
