//! strata: TLS 1.3 and 1.2 client and server connections, composed from the strata layers.
//!
//! This crate is the facade: it owns the configuration, moves bytes between the record
//! and handshake layers, and answers the handshake's requests. What it has so far:
//!
//! - [`KeyLog`]: the opt-in NSS key log (SSLKEYLOGFILE), the only way secrets leave;
//! - [`TimeProvider`] and [`RandomSource`]: the clock and the randomness, injected;
//! - [`ResolvesServerCert`]: the server's choice of certificate by SNI and by the
//!   client's signature schemes.
//!
//! ```
//! use strata::keylog::format_line;
//! let line = format_line("CLIENT_RANDOM", &[0; 32], &[1; 48]);
//! assert!(line.starts_with("CLIENT_RANDOM 00"));
//! ```
#![forbid(unsafe_code)]

pub mod keylog;
pub mod providers;
pub mod resolve;

pub use keylog::{KeyLog, KeyLogFile, NoKeyLog};
pub use providers::{
    FixedClock, OsRandom, RandomError, RandomSource, RngSource, SystemClock, TimeProvider,
};
pub use resolve::{CertificatesBySni, ClientHelloInfo, FixedCertificates, ResolvesServerCert};
