//! Every size limit of strata-pki, in one place.

/// The most intermediates a peer may present; webpki also bounds path building itself.
/// Real chains have one or two; RFC 8446 puts no limit, so this is a sanity bound.
pub const MAX_INTERMEDIATES: usize = 10;

/// The largest certificate accepted, in bytes of DER.
pub const MAX_CERTIFICATE_LEN: usize = 64 * 1024;

/// The largest PEM or DER file read by the loaders: certificates, keys and CRLs.
pub const MAX_FILE_LEN: u64 = 16 * 1024 * 1024;

/// The smallest RSA modulus strata signs with or accepts in a key it loads, in bits.
pub const MIN_RSA_BITS: usize = 2048;

/// The largest RSA modulus strata signs with, in bits (verification accepts up to 8192,
/// as webpki does).
pub const MAX_RSA_BITS: usize = 4096;
