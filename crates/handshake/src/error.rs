//! The handshake layer's one error type.

use strata_alert::AlertDescription;
use strata_codec::DecodeError;

use crate::codepoint::{ExtensionType, HandshakeType, NamedGroup};

/// Everything that can go wrong in the handshake layer, each mapped to the alert that the
/// peer must be sent ([`HandshakeError::alert`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// A message or extension could not be decoded (RFC 8446 §6.2: decode_error).
    #[error("malformed {context}: {source}")]
    Decode {
        /// The message or extension being decoded.
        context: &'static str,
        /// What was wrong, and in which field.
        source: DecodeError,
    },
    /// The same extension appeared twice in one message (RFC 8446 §4.2).
    #[error("extension {0} appears more than once")]
    DuplicateExtension(ExtensionType),
    /// An extension appeared in a message that may not carry it (RFC 8446 §4.2).
    #[error("extension {extension} is not allowed in {message}")]
    ExtensionNotAllowed {
        /// The extension.
        extension: ExtensionType,
        /// The message that carried it.
        message: HandshakeType,
    },
    /// A handshake message was longer than the configured maximum.
    #[error("{message} of {len} bytes exceeds the limit of {max} bytes")]
    MessageTooLarge {
        /// The message type announced.
        message: HandshakeType,
        /// The length announced.
        len: usize,
        /// The configured limit.
        max: usize,
    },
    /// A handshake record with no bytes (RFC 8446 §5.1 forbids zero-length handshake
    /// fragments).
    #[error("empty handshake record")]
    EmptyHandshakeRecord,
    /// A handshake message began before a key change and did not end before it
    /// (RFC 8446 §5.1).
    #[error("a handshake message spans a change of keys")]
    MessageSpansKeyChange,
    /// A message arrived that the current state does not expect (RFC 8446 §6.2).
    #[error("unexpected {got} while {state}")]
    UnexpectedMessage {
        /// The message's type.
        got: HandshakeType,
        /// What the state machine was waiting for.
        state: &'static str,
    },
    /// A ChangeCipherSpec record where none may be (RFC 8446 §5, RFC 5246 §7.1).
    #[error("unexpected change_cipher_spec while {0}")]
    UnexpectedChangeCipherSpec(&'static str),
    /// An answer that does not match the outstanding request, or none is outstanding: a
    /// bug in the application driving the state machine.
    #[error("answer given while {0}")]
    UnexpectedAnswer(&'static str),
    /// The peer's certificate, or a signature, failed a check.
    #[error("peer certificate or signature: {0}")]
    Certificate(strata_pki::PkiError),
    /// The peer broke a rule of the protocol, or nothing could be agreed on; `alert` is
    /// the alert the RFC names for it.
    #[error("{reason} ({alert})")]
    Refused {
        /// The alert to send.
        alert: AlertDescription,
        /// What went wrong, in words a user can act on.
        reason: &'static str,
    },
    /// A field held a value that is well formed but not allowed (illegal_parameter).
    #[error("illegal parameter: {0}")]
    IllegalParameter(&'static str),
    /// A peer's key-exchange public value was unusable: wrong length, not an uncompressed
    /// point, not on the curve, or (X25519) giving the all-zero secret (RFC 8446 §4.2.8.2,
    /// §7.4.2; RFC 8422 §5.4.1).
    #[error("bad {group} key share: {reason}")]
    BadKeyShare {
        /// The group of the key exchange.
        group: NamedGroup,
        /// What was wrong.
        reason: &'static str,
    },
    /// A local failure that no peer message caused: a misused API or an impossible state
    /// (RFC 8446 §6.2 and RFC 5246 §7.2.2: internal_error).
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl HandshakeError {
    /// The alert the peer must be sent for this error.
    pub fn alert(&self) -> AlertDescription {
        match self {
            Self::Decode { .. } => AlertDescription::DecodeError,
            Self::UnexpectedMessage { .. } | Self::UnexpectedChangeCipherSpec(_) => {
                AlertDescription::UnexpectedMessage
            }
            Self::UnexpectedAnswer(_) => AlertDescription::InternalError,
            Self::Certificate(err) => err.alert(),
            Self::Refused { alert, .. } => *alert,
            Self::EmptyHandshakeRecord | Self::MessageSpansKeyChange => {
                AlertDescription::UnexpectedMessage
            }
            Self::DuplicateExtension(_) | Self::IllegalParameter(_) | Self::BadKeyShare { .. } => {
                AlertDescription::IllegalParameter
            }
            // RFC 8446 §4.2: a recognised extension in a message that may not carry it is
            // illegal_parameter. (One a response carries without the request offering it
            // is unsupported_extension: the state machine's check, since only it knows
            // what was offered.)
            Self::ExtensionNotAllowed { .. } => AlertDescription::IllegalParameter,
            // A message too large to buffer: RFC 8446 gives no specific alert; OpenSSL and
            // rustls send illegal_parameter / decode_error. A declared length past our limit
            // is treated as a malformed message.
            Self::MessageTooLarge { .. } => AlertDescription::DecodeError,
            Self::Internal(_) => AlertDescription::InternalError,
        }
    }
}
