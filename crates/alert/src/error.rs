//! Why an alert or change_cipher_spec record was refused.

use crate::AlertDescription;

/// A malformed alert or change_cipher_spec record.
///
/// The alert to answer with differs by version: TLS 1.3 asks for unexpected_message on
/// any bad change_cipher_spec (RFC 8446 §5), where TLS 1.2 treats a wrong length as a
/// message that cannot be decoded (RFC 5246 §7.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    /// An alert record must hold exactly one two-byte alert: alerts are never fragmented
    /// or coalesced (RFC 8446 §5.1).
    #[error("alert record of {0} bytes; an alert is exactly 2 bytes")]
    AlertLength(usize),
    /// A change_cipher_spec record must hold exactly one byte.
    #[error("change_cipher_spec record of {0} bytes; it is exactly 1 byte")]
    ChangeCipherSpecLength(usize),
    /// A change_cipher_spec byte other than 1.
    #[error("change_cipher_spec value {0:#04x}; the only value is 0x01")]
    ChangeCipherSpecValue(u8),
}

impl AlertError {
    /// The alert to send under TLS 1.3 rules.
    pub fn alert_tls13(&self) -> AlertDescription {
        match self {
            // RFC 8446 §5: "An implementation which receives any other change_cipher_spec
            // value ... MUST abort the handshake with an unexpected_message alert."
            Self::ChangeCipherSpecLength(_) | Self::ChangeCipherSpecValue(_) => {
                AlertDescription::UnexpectedMessage
            }
            Self::AlertLength(_) => AlertDescription::DecodeError,
        }
    }

    /// The alert to send under TLS 1.2 rules (RFC 5246 §7.2.2).
    pub fn alert_tls12(&self) -> AlertDescription {
        match self {
            Self::AlertLength(_) | Self::ChangeCipherSpecLength(_) => AlertDescription::DecodeError,
            Self::ChangeCipherSpecValue(_) => AlertDescription::IllegalParameter,
        }
    }
}
