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

/// The longest a verified chain may be reused for by
/// [`CachingServerVerifier`](crate::CachingServerVerifier) and
/// [`CachingClientVerifier`](crate::CachingClientVerifier): ten minutes. Longer windows
/// are cut to it: the cache is safe because revocation news can only be missed for a
/// short time.
pub const MAX_CACHE_WINDOW: std::time::Duration = std::time::Duration::from_secs(600);

/// The most verified chains a cache may hold; larger capacities are cut to it.
pub const MAX_CACHE_ENTRIES: usize = 4096;
