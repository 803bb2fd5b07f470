//! TLS 1.2 and 1.3 handshake messages, key schedules and state machines.
#![forbid(unsafe_code)]

mod codepoint;
mod error;

pub use codepoint::{CipherSuite, ExtensionType, HandshakeType, NamedGroup};
pub use error::HandshakeError;
