//! Certificate validation, key loading and TLS signatures for strata, on rustls-webpki.
//!
//! strata's trust model lives here: a CA vouches for a server's (and, in mutual TLS, a
//! client's) public key, and the peer proves it holds the private key by signing the
//! handshake. The crate stands alone: a certificate checker can use it without the rest
//! of strata.
//!
//! - [`load`]: certificates, private keys (PKCS#8, SEC1, PKCS#1) and CRLs from PEM or DER,
//!   with errors that name the file and what was wrong;
//! - [`TrustAnchors`], [`WebPkiServerVerifier`], [`WebPkiClientVerifier`] and the
//!   [`ServerCertVerifier`] / [`ClientCertVerifier`] traits the handshake asks through:
//!   paths to the anchors, validity at an injected time, names, EKU, CRL revocation;
//! - [`CachingServerVerifier`] / [`CachingClientVerifier`]: an opt-in cache of verified
//!   chains for peers that reconnect, keyed by the exact chain, name and verifier
//!   settings, for a short window; signatures are always checked ([`cache`] says why
//!   that is safe);
//! - [`SignatureScheme`], [`verify_tls_signature`] and [`SigningKey`] /
//!   [`RingSigningKey`] / [`CertifiedKey`] for CertificateVerify and ServerKeyExchange;
//! - [`PkiError`], whose [`PkiError::alert`] names the alert the peer must be sent.
//!
//! Validating a server's chain from PEM files:
//!
//! ```
//! use std::sync::Arc;
//! use strata_pki::{load, ServerCertVerifier, TrustAnchors, WebPkiServerVerifier};
//! use rustls_pki_types::{ServerName, UnixTime};
//! # use strata_testdata::pki::{KeyKind, TestCa};
//! # let dir = std::env::temp_dir().join(format!("strata-pki-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//! # let root = TestCa::root(KeyKind::EcdsaP256);
//! # let inter = root.intermediate(KeyKind::EcdsaP256, |_| {});
//! # let leaf = inter.server_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {});
//! # std::fs::write(dir.join("ca.pem"), root.cert_pem())?;
//! # std::fs::write(dir.join("chain.pem"), leaf.cert_pem() + &inter.cert_pem())?;
//! # let (ca_pem, chain_pem) = (dir.join("ca.pem"), dir.join("chain.pem"));
//!
//! // ca.pem holds the trusted root; chain.pem the server's certificate, then intermediates.
//! let anchors = Arc::new(TrustAnchors::from_file(&ca_pem)?);
//! let verifier = WebPkiServerVerifier::new(anchors)?;
//! let chain = load::certs_from_file(&chain_pem)?;
//! let name = ServerName::try_from("example.com").unwrap();
//! let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_800_000_000));
//! verifier.verify_server_cert(&chain[0], &chain[1..], &name, &[], now)?;
//!
//! // The wrong name is refused, and the error says which alert to send.
//! let other = ServerName::try_from("example.org").unwrap();
//! let err = verifier.verify_server_cert(&chain[0], &chain[1..], &other, &[], now).unwrap_err();
//! assert_eq!(err.alert(), strata_alert::AlertDescription::BadCertificate);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod anchors;
pub mod cache;
mod der;
mod error;
pub mod limits;
pub mod load;
mod scheme;
mod sign;
mod verify;
mod verify_signature;

pub use anchors::{DistinguishedName, TrustAnchors};
pub use cache::{
    CacheStats, CachingClientVerifier, CachingServerVerifier, SettingsFingerprint,
    DEFAULT_CACHE_ENTRIES, DEFAULT_CACHE_WINDOW,
};
pub use error::PkiError;
pub use scheme::{SignatureScheme, TlsVersion, SUPPORTED_SCHEMES};
pub use sign::{CertifiedKey, KeyType, RingSigningKey, SigningKey};
pub use verify::{
    ClientCertVerifier, Revocation, RevocationDepth, ServerCertVerifier, UnknownStatus,
    WebPkiClientVerifier, WebPkiServerVerifier,
};
pub use verify_signature::verify_tls_signature;

/// Re-exported so that users name certificates, keys, names and times with the same types.
pub use rustls_pki_types as pki_types;
