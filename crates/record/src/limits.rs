//! Every size limit of the record layer, in one place.
//!
//! The protocol limits come from the RFCs and are not configurable; the buffer limit of the
//! [`Deframer`](crate::Deframer) and the record size limit of RFC 8449 are set per
//! connection, within these bounds.

/// The length of a record header: type (1), legacy_record_version (2), length (2).
/// RFC 8446 §5.1, RFC 5246 §6.2.1.
pub const HEADER_LEN: usize = 5;

/// The largest fragment of an unprotected record, and the largest plaintext content of a
/// protected one: 2^14 bytes (RFC 8446 §5.1, RFC 5246 §6.2.1).
pub const MAX_PLAINTEXT_LEN: usize = 1 << 14;

/// The largest TLS 1.3 TLSInnerPlaintext: content, content-type byte and padding together
/// may not exceed 2^14 + 1 bytes (RFC 8446 §5.4).
pub const MAX_TLS13_INNER_PLAINTEXT_LEN: usize = MAX_PLAINTEXT_LEN + 1;

/// The largest TLS 1.3 TLSCiphertext.length: 2^14 + 256 (RFC 8446 §5.2).
pub const MAX_TLS13_CIPHERTEXT_LEN: usize = MAX_PLAINTEXT_LEN + 256;

/// The largest TLS 1.2 TLSCiphertext.length: 2^14 + 2048 (RFC 5246 §6.2.3).
pub const MAX_TLS12_CIPHERTEXT_LEN: usize = MAX_PLAINTEXT_LEN + 2048;

/// The largest record of any kind, header included: the most a [`Deframer`](crate::Deframer)
/// must be able to hold to make progress.
pub const MAX_RECORD_LEN: usize = HEADER_LEN + MAX_TLS12_CIPHERTEXT_LEN;

/// The default (and smallest) buffer limit of a [`Deframer`](crate::Deframer): one
/// maximal record.
pub const DEFAULT_DEFRAMER_BUFFER_LEN: usize = MAX_RECORD_LEN;

/// The smallest record_size_limit a peer may announce (RFC 8449 §4): a smaller value is
/// an illegal_parameter.
pub const MIN_RECORD_SIZE_LIMIT: u16 = 64;

/// The authentication tag of every AEAD strata supports (AES-GCM, ChaCha20-Poly1305).
pub const TAG_LEN: usize = 16;

/// The explicit per-record nonce of TLS 1.2 AES-GCM (RFC 5288 §3).
pub const TLS12_GCM_EXPLICIT_NONCE_LEN: usize = 8;

/// The nonce (and TLS 1.3 IV) length of every AEAD strata supports (RFC 8446 §5.3).
pub const NONCE_LEN: usize = 12;

/// How many records may be sealed under one AES-GCM key before the connection should
/// rekey: 2^24.5 full-size records, rounded down (RFC 8446 §5.5). ChaCha20-Poly1305 has no
/// practical limit below the sequence-number space.
pub const AES_GCM_RECORDS_BEFORE_REKEY: u64 = 23_726_566;
