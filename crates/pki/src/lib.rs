//! Certificate validation, key loading and TLS signatures for strata, on rustls-webpki.
#![forbid(unsafe_code)]

mod scheme;

pub use scheme::SignatureScheme;
