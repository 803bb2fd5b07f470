//! TLS 1.2 and 1.3 handshake messages, key schedules and state machines.
#![forbid(unsafe_code)]

mod codepoint;
mod error;
pub mod key_schedule;
pub mod suites;

pub use codepoint::{CipherSuite, ExtensionType, HandshakeType, NamedGroup};
pub use error::HandshakeError;
pub use key_schedule::transcript::{Transcript, TranscriptHash};
pub use key_schedule::{HashAlgorithm, Secret, TrafficKeys};
pub use suites::{SupportedSuite, Tls12Auth, ALL_SUITES};
