//! TLS 1.2 and 1.3 handshake messages, key schedules and state machines.
//!
//! This layer never sees record bytes or sockets. It gives:
//!
//! - [`messages`]: every handshake message of RFC 8446 §4 and RFC 5246 §7.4, parsed
//!   borrowing from the input ([`HandshakeMessage::decode`]) and encoded in place;
//! - [`extensions`]: every extension in the form each message gives it, with the RFC 8446
//!   §4.2 rules (no type twice, none where its message may not carry it);
//! - [`framing`]: the [`HandshakeJoiner`] that turns handshake records into whole
//!   messages, bounded by a maximum message size;
//! - [`key_schedule`]: the TLS 1.3 schedule (HKDF, typed stages), the TLS 1.2 PRF, and the
//!   [`Transcript`], on ring, but for HMAC-SHA256 where the CPU has SHA-256 instructions
//!   (the `hmac` and `sha2` crates; [`key_schedule::hmac_key`] says why);
//! - [`kx`]: ephemeral X25519, P-256 and P-384 on ring;
//! - [`suites`]: what each supported cipher suite means;
//! - [`Client`] and [`Server`]: the entry points that negotiate the version and continue
//!   in the TLS 1.3 ([`tls13`]: [`Tls13Client`], [`Tls13Server`]) or TLS 1.2 ([`tls12`]:
//!   [`Tls12Client`], [`Tls12Server`]) state machines, all behind the [`machine`]
//!   contract.
//!
//! A monitor can parse a flight with it; a test can recompute any secret:
//!
//! ```
//! use strata_handshake::{HandshakeJoiner, HandshakeMessage, TlsVersion};
//! use strata_handshake::key_schedule::tls13::{self, EarlySecret};
//! use strata_handshake::{HashAlgorithm, Transcript};
//!
//! // A record carrying a KeyUpdate and a Finished, cut in two records.
//! let flight = [24, 0, 0, 1, 0, 20, 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
//! let mut joiner = HandshakeJoiner::default();
//! joiner.push(&flight[..7]).unwrap();
//! joiner.push(&flight[7..]).unwrap();
//! let mut transcript = Transcript::new();
//! transcript.start_hash(HashAlgorithm::Sha256).unwrap();
//! while let Some(frame) = joiner.pop() {
//!     let message = HandshakeMessage::decode_raw(frame.raw(), TlsVersion::Tls13).unwrap();
//!     println!("{}", message.ty());
//!     transcript.add(frame.encoded());
//! }
//!
//! // The TLS 1.3 key schedule from a (here all-zero) ECDHE secret.
//! let hash = HashAlgorithm::Sha256;
//! let handshake = EarlySecret::new(hash, None).into_handshake(&[0; 32]);
//! let hello_hash = transcript.current_hash().unwrap();
//! let server = handshake.server_handshake_traffic_secret(&hello_hash);
//! let keys = tls13::traffic_keys(hash, strata_record::AeadAlgorithm::Aes128Gcm, &server);
//! assert_eq!((keys.key().len(), keys.iv().len()), (16, 12));
//! ```
#![forbid(unsafe_code)]

mod codepoint;
mod common;
mod endpoint;
mod error;
pub mod extensions;
pub mod framing;
pub mod key_schedule;
pub mod kx;
pub mod limits;
pub mod list;
pub mod machine;
pub mod messages;
mod negotiate;
pub mod suites;
pub mod ticket;
pub mod tls12;
pub mod tls13;
mod wire;

pub use codepoint::{CipherSuite, ExtensionType, HandshakeType, NamedGroup};
pub use endpoint::{Client, Server};
pub use error::HandshakeError;
pub use extensions::{Extension, ExtensionContext, Extensions};
pub use framing::{HandshakeFrame, HandshakeJoiner};
pub use key_schedule::transcript::{Transcript, TranscriptHash};
pub use key_schedule::{HashAlgorithm, Secret, TrafficKeys};
pub use kx::{EphemeralKeyPair, KeyExchangeGroup, SharedSecret, SUPPORTED_GROUPS};
pub use list::CodePoints;
pub use messages::{HandshakeMessage, RawMessage, TlsVersion};
pub use suites::{SupportedSuite, Tls12Auth, ALL_SUITES};
pub use ticket::{ServerSession, ServerSessionStore, SessionCache, TicketKeys};
pub use tls12::{Tls12Client, Tls12Server};
pub use tls13::{Tls13Client, Tls13Server};
