//! Checking a TLS signature (CertificateVerify, ServerKeyExchange) against the public key
//! of the peer's end-entity certificate.

use rustls_pki_types::CertificateDer;

use crate::scheme::TlsVersion;
use crate::{PkiError, SignatureScheme};

/// Verifies `signature` by `scheme` over `message` with the key of `cert`, under
/// `version`'s rules for which schemes may be used (RFC 8446 §4.4.3, RFC 5246 §7.4.8).
///
/// The caller checks that `scheme` was among those it offered; this checks that the
/// scheme is allowed in the version, fits the key, and that the signature verifies.
pub fn verify_tls_signature(
    version: TlsVersion,
    cert: &CertificateDer<'_>,
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<(), PkiError> {
    let algorithms = scheme.verification_algorithms(version);
    if algorithms.is_empty() {
        return Err(PkiError::SchemeNotAllowed {
            scheme,
            why: match version {
                TlsVersion::Tls13 => "TLS 1.3 allows only ECDSA, EdDSA and RSA-PSS signatures",
                TlsVersion::Tls12 => "strata does not support this scheme",
            },
        });
    }
    let cert = webpki::EndEntityCert::try_from(cert).map_err(|e| PkiError::Malformed {
        what: "certificate",
        detail: format!("{e:?}"),
    })?;
    let mut fits_key = false;
    for algorithm in algorithms {
        match cert.verify_signature(*algorithm, message, signature) {
            Ok(()) => return Ok(()),
            Err(webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)) => {}
            Err(_) => fits_key = true,
        }
    }
    if fits_key {
        Err(PkiError::BadSignature(scheme))
    } else {
        Err(PkiError::SchemeNotAllowed {
            scheme,
            why: "the scheme does not fit the certificate's key",
        })
    }
}
