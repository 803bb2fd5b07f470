//! The one error type of strata-pki, and the alert each error sends.

use strata_alert::AlertDescription;

use crate::SignatureScheme;

/// Why a file could not be loaded, a certificate not verified or a signature not made or
/// checked. [`PkiError::alert`] names the alert the peer must be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// A file could not be read.
    #[error("{source_name}: cannot read: {detail}")]
    Io {
        /// The file.
        source_name: String,
        /// What the operating system said.
        detail: String,
    },
    /// The input held no PEM block of the expected kind.
    #[error("{source_name}: no {expected} found")]
    NoPemBlock {
        /// The file, or `<memory>`.
        source_name: String,
        /// What was looked for ("certificate", "private key", "CRL").
        expected: &'static str,
    },
    /// The input is not valid PEM (a block without its end line, bad base64, …).
    #[error("{source_name}: malformed PEM: {detail}")]
    MalformedPem {
        /// The file, or `<memory>`.
        source_name: String,
        /// What was wrong.
        detail: String,
    },
    /// The private key is encrypted; strata reads only unencrypted keys.
    #[error("{source_name}: the private key is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN)")]
    EncryptedKey {
        /// The file, or `<memory>`.
        source_name: String,
    },
    /// The private key is of a type or size strata cannot sign with.
    #[error("{source_name}: unsupported private key: {detail}")]
    UnsupportedKey {
        /// The file, or `<memory>`.
        source_name: String,
        /// What the key was, or why it was refused.
        detail: String,
    },
    /// The private key does not belong to the certificate it was given with.
    #[error("the private key does not match the certificate's public key")]
    KeyMismatch,
    /// A certificate or CRL could not be parsed.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// "certificate", "CRL", "trust anchor".
        what: &'static str,
        /// What webpki said.
        detail: String,
    },
    /// No trust anchors were configured: nothing could ever verify.
    #[error("no trust anchors configured")]
    NoTrustAnchors,
    /// The peer sent no certificate.
    #[error("the peer sent no certificate")]
    NoCertificate,
    /// The peer sent more intermediates than the limit.
    #[error("the peer sent {0} intermediate certificates; the limit is {max}", max = crate::limits::MAX_INTERMEDIATES)]
    TooManyIntermediates(usize),
    /// A certificate of the chain has expired.
    #[error("certificate expired")]
    Expired,
    /// A certificate of the chain is not valid yet.
    #[error("certificate not valid yet")]
    NotValidYet,
    /// A certificate of the chain is revoked by a CRL.
    #[error("certificate revoked")]
    Revoked,
    /// Revocation was required but no CRL covered a certificate of the chain.
    #[error("revocation status unknown and unknown status is denied")]
    RevocationStatusUnknown,
    /// The chain does not lead to a trust anchor.
    #[error("certificate chain does not lead to a trusted CA")]
    UnknownIssuer,
    /// The certificate is not valid for the name the client asked for.
    #[error("certificate is not valid for {0}")]
    NotValidForName(String),
    /// The certificate's extended key usage does not allow this use (serverAuth for a
    /// server, clientAuth for a client).
    #[error("certificate is not valid for {0} (extended key usage)")]
    WrongKeyUsage(&'static str),
    /// Some other defect of the chain (a CA used as a leaf, a path length exceeded, an
    /// intermediate without CA:TRUE, a bad signature on a certificate, …).
    #[error("invalid certificate chain: {0}")]
    InvalidChain(String),
    /// A TLS signature did not verify.
    #[error("signature by {0} does not verify")]
    BadSignature(SignatureScheme),
    /// The peer signed with a scheme that does not fit its key, or one that this version
    /// of TLS forbids (PKCS#1 v1.5 and SHA-1 in TLS 1.3 CertificateVerify).
    #[error("signature scheme {scheme} is not allowed here: {why}")]
    SchemeNotAllowed {
        /// The scheme.
        scheme: SignatureScheme,
        /// Why.
        why: &'static str,
    },
    /// No signature scheme is both offered by the peer and usable with the key.
    #[error("no signature scheme in common with the peer for a {0} key")]
    NoCommonScheme(&'static str),
    /// The signing operation failed.
    #[error("signing failed")]
    SigningFailed,
}

impl PkiError {
    /// The alert the peer must be sent for this error (RFC 8446 §6.2).
    pub fn alert(&self) -> AlertDescription {
        use AlertDescription as A;
        match self {
            // Our own configuration or machinery failed: the peer did nothing wrong.
            Self::Io { .. }
            | Self::NoPemBlock { .. }
            | Self::MalformedPem { .. }
            | Self::EncryptedKey { .. }
            | Self::UnsupportedKey { .. }
            | Self::KeyMismatch
            | Self::NoTrustAnchors
            | Self::SigningFailed => A::InternalError,
            Self::Malformed { .. } | Self::InvalidChain(_) | Self::NotValidForName(_) => {
                A::BadCertificate
            }
            Self::NoCertificate => A::CertificateRequired,
            Self::TooManyIntermediates(_) => A::BadCertificate,
            Self::Expired | Self::NotValidYet => A::CertificateExpired,
            Self::Revoked => A::CertificateRevoked,
            Self::RevocationStatusUnknown => A::CertificateUnknown,
            Self::UnknownIssuer => A::UnknownCa,
            Self::WrongKeyUsage(_) => A::UnsupportedCertificate,
            // RFC 8446 §4.4.3: a CertificateVerify that does not verify is decrypt_error.
            Self::BadSignature(_) => A::DecryptError,
            // RFC 8446 §4.4.3 / §4.2.3: a scheme the receiver did not offer or that does
            // not fit the key is illegal_parameter.
            Self::SchemeNotAllowed { .. } => A::IllegalParameter,
            Self::NoCommonScheme(_) => A::HandshakeFailure,
        }
    }

    /// Maps a webpki error met while verifying a certificate chain.
    pub(crate) fn from_chain(err: webpki::Error, usage: &'static str) -> Self {
        use webpki::Error as E;
        match err {
            E::CertExpired { .. } => Self::Expired,
            E::CertNotValidYet { .. } => Self::NotValidYet,
            E::CertRevoked => Self::Revoked,
            E::UnknownRevocationStatus => Self::RevocationStatusUnknown,
            E::UnknownIssuer => Self::UnknownIssuer,
            E::RequiredEkuNotFoundContext(_) => Self::WrongKeyUsage(usage),
            E::BadDer | E::BadDerTime | E::TrailingData(_) | E::UnsupportedCertVersion => {
                Self::Malformed {
                    what: "certificate",
                    detail: format!("{err:?}"),
                }
            }
            other => Self::InvalidChain(format!("{other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_errors_map_to_the_alerts_rfc_8446_names() {
        let cases = [
            (webpki::Error::UnknownIssuer, AlertDescription::UnknownCa),
            (
                webpki::Error::CertRevoked,
                AlertDescription::CertificateRevoked,
            ),
            (webpki::Error::BadDer, AlertDescription::BadCertificate),
            (
                webpki::Error::UnknownRevocationStatus,
                AlertDescription::CertificateUnknown,
            ),
            (
                webpki::Error::CaUsedAsEndEntity,
                AlertDescription::BadCertificate,
            ),
        ];
        for (err, alert) in cases {
            assert_eq!(
                PkiError::from_chain(err.clone(), "server").alert(),
                alert,
                "{err:?}"
            );
        }
    }

    #[test]
    fn signature_errors_map_to_decrypt_error_and_illegal_parameter() {
        let scheme = SignatureScheme::Ed25519;
        assert_eq!(
            PkiError::BadSignature(scheme).alert(),
            AlertDescription::DecryptError
        );
        let not_allowed = PkiError::SchemeNotAllowed {
            scheme,
            why: "test",
        };
        assert_eq!(not_allowed.alert(), AlertDescription::IllegalParameter);
        assert_eq!(
            PkiError::NoCommonScheme("RSA").alert(),
            AlertDescription::HandshakeFailure
        );
    }
}
