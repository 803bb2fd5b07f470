//! The Alert message (RFC 8446 §6, RFC 5246 §7.2).

use core::fmt;

use bytes::BytesMut;
use strata_codec::{Decode, Encode, Res};

use crate::{AlertDescription, AlertError};

strata_codec::codepoint! {
    /// How serious an alert is (RFC 8446 §6). In TLS 1.3 the level is advisory: what
    /// counts is the description ([`Alert::is_fatal_tls13`]).
    pub enum AlertLevel: u8 {
        /// The connection may go on (TLS 1.2), or is being closed (close_notify).
        Warning = 1 => "warning",
        /// The connection ends at once.
        Fatal = 2 => "fatal",
    }
}

/// An alert: a level and a description, two bytes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alert {
    /// The level the sender gave it.
    pub level: AlertLevel,
    /// What the alert says.
    pub description: AlertDescription,
}

impl Alert {
    /// A fatal alert; every error alert is sent at the fatal level (RFC 8446 §6.2).
    pub const fn fatal(description: AlertDescription) -> Self {
        Self {
            level: AlertLevel::Fatal,
            description,
        }
    }

    /// A warning alert (TLS 1.2's no_renegotiation, say).
    pub const fn warning(description: AlertDescription) -> Self {
        Self {
            level: AlertLevel::Warning,
            description,
        }
    }

    /// The close_notify alert, which is sent at the warning level (RFC 8446 §6.1).
    pub const fn close_notify() -> Self {
        Self::warning(AlertDescription::CloseNotify)
    }

    /// Parses the body of an alert record, which must hold exactly one alert
    /// (RFC 8446 §5.1: alerts are neither fragmented nor coalesced).
    pub fn parse_record(body: &[u8]) -> Result<Self, AlertError> {
        match body {
            [level, description] => Ok(Self {
                level: AlertLevel::from(*level),
                description: AlertDescription::from(*description),
            }),
            _ => Err(AlertError::AlertLength(body.len())),
        }
    }

    /// Whether this alert, received under TLS 1.3, ends the connection with an error.
    ///
    /// RFC 8446 §6: close_notify and user_canceled are closure alerts; every other alert,
    /// known or not, is an error alert "regardless of the AlertLevel in the message".
    /// close_notify also ends the connection, but cleanly.
    pub fn is_fatal_tls13(&self) -> bool {
        !matches!(
            self.description,
            AlertDescription::CloseNotify | AlertDescription::UserCanceled
        )
    }

    /// Whether this alert, received under TLS 1.2, ends the connection with an error.
    ///
    /// RFC 5246 §7.2: a fatal-level alert always does; so does an alert the RFC calls
    /// "always fatal" whatever level it came with, and an alert of unknown level.
    pub fn is_fatal_tls12(&self) -> bool {
        use AlertDescription as D;
        match self.level {
            AlertLevel::Warning => matches!(
                self.description,
                D::UnexpectedMessage
                    | D::BadRecordMac
                    | D::RecordOverflow
                    | D::DecompressionFailureReserved
                    | D::HandshakeFailure
                    | D::IllegalParameter
                    | D::UnknownCa
                    | D::AccessDenied
                    | D::DecodeError
                    | D::DecryptError
                    | D::ProtocolVersion
                    | D::InsufficientSecurity
                    | D::InternalError
                    | D::UnsupportedExtension
            ),
            AlertLevel::Fatal | AlertLevel::Unknown(_) => true,
        }
    }
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} alert {}", self.level, self.description)
    }
}

impl Encode for Alert {
    fn encode(&self, out: &mut BytesMut) {
        self.level.encode(out);
        self.description.encode(out);
    }
}

impl<'a> Decode<'a> for Alert {
    fn decode(input: &'a [u8]) -> Res<'a, Self> {
        let (input, level) = AlertLevel::decode(input)?;
        let (input, description) = AlertDescription::decode(input)?;
        Ok((input, Self { level, description }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AlertDescription as D;

    #[test]
    fn parses_exactly_two_bytes() {
        assert_eq!(Alert::parse_record(&[1, 0]), Ok(Alert::close_notify()));
        assert_eq!(Alert::parse_record(&[2]), Err(AlertError::AlertLength(1)));
        assert_eq!(Alert::parse_record(&[]), Err(AlertError::AlertLength(0)));
        // Two alerts coalesced in one record are refused (RFC 8446 §5.1).
        assert_eq!(
            Alert::parse_record(&[2, 40, 2, 40]),
            Err(AlertError::AlertLength(4))
        );
    }

    #[test]
    fn malformed_alert_records_are_decode_errors_in_both_versions() {
        let err = Alert::parse_record(&[2, 40, 0]).unwrap_err();
        assert_eq!(err.alert_tls13(), D::DecodeError);
        assert_eq!(err.alert_tls12(), D::DecodeError);
    }

    #[test]
    fn unknown_level_and_description_are_kept() {
        let alert = Alert::parse_record(&[7, 250]).unwrap();
        assert_eq!(alert.level, AlertLevel::Unknown(7));
        assert_eq!(alert.description, D::Unknown(250));
        assert_eq!(alert.to_string(), "unknown(0x07) alert unknown(0xfa)");
        assert_eq!(&alert.to_bytes()[..], &[7, 250]);
    }

    #[test]
    fn tls13_treats_every_alert_but_closure_alerts_as_an_error() {
        assert!(!Alert::close_notify().is_fatal_tls13());
        assert!(!Alert::warning(D::UserCanceled).is_fatal_tls13());
        // The level does not matter in TLS 1.3 (RFC 8446 §6.2).
        assert!(Alert::warning(D::BadCertificate).is_fatal_tls13());
        assert!(Alert::warning(D::Unknown(200)).is_fatal_tls13());
        assert!(Alert::fatal(D::HandshakeFailure).is_fatal_tls13());
    }

    #[test]
    fn tls12_warning_alerts_go_on_unless_always_fatal() {
        assert!(!Alert::warning(D::NoRenegotiation).is_fatal_tls12());
        assert!(!Alert::warning(D::CertificateExpired).is_fatal_tls12());
        assert!(!Alert::close_notify().is_fatal_tls12());
        assert!(Alert::warning(D::UnexpectedMessage).is_fatal_tls12());
        assert!(Alert::warning(D::DecodeError).is_fatal_tls12());
        assert!(Alert::fatal(D::CertificateExpired).is_fatal_tls12());
        let unknown_level = Alert {
            level: AlertLevel::Unknown(3),
            description: D::CloseNotify,
        };
        assert!(unknown_level.is_fatal_tls12());
    }

    #[test]
    fn the_registry_has_every_rfc_8446_description() {
        // RFC 8446 §6 lists these values; each must be known, by the RFC's own name.
        let rfc8446 = [
            (0, "close_notify"),
            (10, "unexpected_message"),
            (20, "bad_record_mac"),
            (22, "record_overflow"),
            (40, "handshake_failure"),
            (42, "bad_certificate"),
            (43, "unsupported_certificate"),
            (44, "certificate_revoked"),
            (45, "certificate_expired"),
            (46, "certificate_unknown"),
            (47, "illegal_parameter"),
            (48, "unknown_ca"),
            (49, "access_denied"),
            (50, "decode_error"),
            (51, "decrypt_error"),
            (70, "protocol_version"),
            (71, "insufficient_security"),
            (80, "internal_error"),
            (86, "inappropriate_fallback"),
            (90, "user_canceled"),
            (109, "missing_extension"),
            (110, "unsupported_extension"),
            (112, "unrecognized_name"),
            (113, "bad_certificate_status_response"),
            (115, "unknown_psk_identity"),
            (116, "certificate_required"),
            (120, "no_application_protocol"),
        ];
        for (value, name) in rfc8446 {
            assert_eq!(D::from(value).name(), Some(name), "value {value}");
        }
    }
}
