//! The record layer's one error type.

use strata_alert::AlertDescription;

use crate::{AeadAlgorithm, ContentType};

/// Why the record layer refused a record (or a request from the layer above), with the
/// alert the peer must be sent ([`RecordError::alert`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The record's content type is unknown or not allowed where it appeared
    /// (RFC 8446 §5: unexpected_message).
    #[error("record of content type {0} is not allowed here")]
    UnexpectedContentType(ContentType),

    /// The record's version field has a major byte other than 3, so the peer is not
    /// speaking TLS at all (RFC 5246 Appendix E.1 accepts only {03,XX}).
    #[error("record version {0:#06x} is not a TLS version: the peer is not speaking TLS")]
    NotTls(u16),

    /// The record's length field is over the limit for a record of this kind
    /// (RFC 8446 §5.1/§5.2, RFC 5246 §6.2, RFC 8449 §4).
    #[error("record of {len} bytes is longer than the limit of {max} bytes")]
    RecordOverflow {
        /// The length the record announced.
        len: usize,
        /// The limit in force.
        max: usize,
    },

    /// A record decrypted to more plaintext than allowed (RFC 8446 §5.4, RFC 5246 §6.2.2,
    /// RFC 8449 §4).
    #[error("record decrypted to {len} bytes of plaintext, over the limit of {max} bytes")]
    PlaintextOverflow {
        /// The plaintext length.
        len: usize,
        /// The limit in force.
        max: usize,
    },

    /// A handshake, alert or change_cipher_spec record with no content
    /// (RFC 8446 §5.4, RFC 5246 §6.2.1).
    #[error("zero-length {0} record: only application data records may be empty")]
    EmptyFragment(ContentType),

    /// A record failed to decrypt and authenticate (RFC 8446 §5.2, RFC 5246 §6.2.3.3).
    #[error("record failed authentication: it was corrupted, forged or sealed with other keys")]
    BadRecordMac,

    /// A TLS 1.3 record decrypted to all zeros, so it has no content type (RFC 8446 §5.4).
    #[error("protected record has no content type: its plaintext is all zero bytes")]
    MissingInnerContentType,

    /// A TLS 1.3 protected record carried change_cipher_spec (RFC 8446 §5).
    #[error("change_cipher_spec arrived inside a protected record")]
    ProtectedChangeCipherSpec,

    /// The bytes given as one record do not agree with the record's length field.
    #[error("record header announces {header} bytes but {actual} follow it")]
    LengthMismatch {
        /// The length in the header.
        header: usize,
        /// The bytes actually given after the header.
        actual: usize,
    },

    /// The 64-bit sequence number would wrap: the connection must rekey or close
    /// (RFC 8446 §5.3).
    #[error("record sequence number exhausted: the connection must rekey or close")]
    SequenceExhausted,

    /// A key or IV of the wrong length was given for the AEAD (a bug in the caller).
    #[error("{what} for {algorithm:?} must be {expected} bytes, not {actual}")]
    BadKeyMaterial {
        /// Which input was wrong: "key" or "iv".
        what: &'static str,
        /// The AEAD.
        algorithm: AeadAlgorithm,
        /// The length required.
        expected: usize,
        /// The length given.
        actual: usize,
    },

    /// More plaintext was given to seal than fits in one record (a bug in the caller:
    /// use the [`Fragmenter`](crate::Fragmenter)).
    #[error("{len} bytes of plaintext do not fit in one record of at most {max}")]
    PlaintextTooLong {
        /// The plaintext length.
        len: usize,
        /// The most one record may carry.
        max: usize,
    },

    /// The buffer given to seal in place does not hold the header space it must
    /// (a bug in the caller).
    #[error("seal buffer holds {len} bytes, less than the {needed} reserved for the header")]
    SealBufferTooShort {
        /// Bytes in the buffer from the record's start.
        len: usize,
        /// Header bytes that must be reserved.
        needed: usize,
    },

    /// A record_size_limit below 64 (RFC 8449 §4).
    #[error("record_size_limit {0} is below the minimum of 64")]
    RecordSizeLimitTooSmall(u16),
}

impl RecordError {
    /// The alert the peer must be sent for this error.
    pub fn alert(&self) -> AlertDescription {
        match self {
            Self::UnexpectedContentType(_)
            | Self::EmptyFragment(_)
            | Self::MissingInnerContentType
            | Self::ProtectedChangeCipherSpec => AlertDescription::UnexpectedMessage,
            Self::NotTls(_) | Self::LengthMismatch { .. } => AlertDescription::DecodeError,
            Self::RecordOverflow { .. } | Self::PlaintextOverflow { .. } => {
                AlertDescription::RecordOverflow
            }
            Self::BadRecordMac => AlertDescription::BadRecordMac,
            Self::RecordSizeLimitTooSmall(_) => AlertDescription::IllegalParameter,
            Self::SequenceExhausted
            | Self::BadKeyMaterial { .. }
            | Self::PlaintextTooLong { .. }
            | Self::SealBufferTooShort { .. } => AlertDescription::InternalError,
        }
    }
}
