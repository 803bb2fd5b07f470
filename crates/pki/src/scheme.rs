//! The SignatureScheme registry (RFC 8446 §4.2.3).

strata_codec::codepoint! {
    /// A signature algorithm with its hash, as offered in signature_algorithms and named in
    /// CertificateVerify and ServerKeyExchange (RFC 8446 §4.2.3).
    pub enum SignatureScheme: u16 {
        /// RSASSA-PKCS1-v1_5 with SHA-1: legacy, refused.
        RsaPkcs1Sha1 = 0x0201 => "rsa_pkcs1_sha1",
        /// ECDSA with SHA-1: legacy, refused.
        EcdsaSha1 = 0x0203 => "ecdsa_sha1",
        /// RSASSA-PKCS1-v1_5 with SHA-256 (TLS 1.2 and certificates only).
        RsaPkcs1Sha256 = 0x0401 => "rsa_pkcs1_sha256",
        /// ECDSA on P-256 with SHA-256.
        EcdsaSecp256r1Sha256 = 0x0403 => "ecdsa_secp256r1_sha256",
        /// RSASSA-PKCS1-v1_5 with SHA-384 (TLS 1.2 and certificates only).
        RsaPkcs1Sha384 = 0x0501 => "rsa_pkcs1_sha384",
        /// ECDSA on P-384 with SHA-384.
        EcdsaSecp384r1Sha384 = 0x0503 => "ecdsa_secp384r1_sha384",
        /// RSASSA-PKCS1-v1_5 with SHA-512 (TLS 1.2 and certificates only).
        RsaPkcs1Sha512 = 0x0601 => "rsa_pkcs1_sha512",
        /// ECDSA on P-521 with SHA-512: not supported by strata.
        EcdsaSecp521r1Sha512 = 0x0603 => "ecdsa_secp521r1_sha512",
        /// RSASSA-PSS with SHA-256, key with the rsaEncryption OID.
        RsaPssRsaeSha256 = 0x0804 => "rsa_pss_rsae_sha256",
        /// RSASSA-PSS with SHA-384, key with the rsaEncryption OID.
        RsaPssRsaeSha384 = 0x0805 => "rsa_pss_rsae_sha384",
        /// RSASSA-PSS with SHA-512, key with the rsaEncryption OID.
        RsaPssRsaeSha512 = 0x0806 => "rsa_pss_rsae_sha512",
        /// EdDSA on Ed25519.
        Ed25519 = 0x0807 => "ed25519",
        /// EdDSA on Ed448: not supported by strata.
        Ed448 = 0x0808 => "ed448",
        /// RSASSA-PSS with SHA-256, key with the RSASSA-PSS OID: not supported by strata.
        RsaPssPssSha256 = 0x0809 => "rsa_pss_pss_sha256",
        /// RSASSA-PSS with SHA-384, key with the RSASSA-PSS OID: not supported by strata.
        RsaPssPssSha384 = 0x080a => "rsa_pss_pss_sha384",
        /// RSASSA-PSS with SHA-512, key with the RSASSA-PSS OID: not supported by strata.
        RsaPssPssSha512 = 0x080b => "rsa_pss_pss_sha512",
    }
}

use rustls_pki_types::SignatureVerificationAlgorithm;
use webpki::ring as algs;

/// The signature schemes strata verifies and signs with, in order of preference: the
/// list a strata peer offers in signature_algorithms.
pub const SUPPORTED_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::EcdsaSecp256r1Sha256,
    SignatureScheme::EcdsaSecp384r1Sha384,
    SignatureScheme::Ed25519,
    SignatureScheme::RsaPssRsaeSha256,
    SignatureScheme::RsaPssRsaeSha384,
    SignatureScheme::RsaPssRsaeSha512,
    SignatureScheme::RsaPkcs1Sha256,
    SignatureScheme::RsaPkcs1Sha384,
    SignatureScheme::RsaPkcs1Sha512,
];

/// The TLS version whose rules a signature is checked under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TlsVersion {
    /// TLS 1.2: ServerKeyExchange and CertificateVerify sign with any supported scheme,
    /// and an ECDSA scheme names only its hash (RFC 5246 §7.4.1.4.1).
    Tls12,
    /// TLS 1.3: no PKCS#1 v1.5 and no SHA-1, and an ECDSA scheme binds its curve
    /// (RFC 8446 §4.2.3, §4.4.3).
    Tls13,
}

impl SignatureScheme {
    /// Whether TLS 1.3 allows this scheme in CertificateVerify (RFC 8446 §4.2.3: the
    /// PKCS#1 v1.5 and SHA-1 schemes are for certificates only).
    pub fn allowed_in_tls13(self) -> bool {
        matches!(
            self,
            Self::EcdsaSecp256r1Sha256
                | Self::EcdsaSecp384r1Sha384
                | Self::Ed25519
                | Self::RsaPssRsaeSha256
                | Self::RsaPssRsaeSha384
                | Self::RsaPssRsaeSha512
        )
    }

    /// Whether strata can verify and sign with this scheme at all.
    pub fn is_supported(self) -> bool {
        SUPPORTED_SCHEMES.contains(&self)
    }

    /// The webpki algorithms that may verify a signature of this scheme under `version`'s
    /// rules; empty if the scheme is not supported there. In TLS 1.2 an ECDSA scheme
    /// names only the hash, so either curve's key may have made it.
    pub(crate) fn verification_algorithms(
        self,
        version: TlsVersion,
    ) -> &'static [&'static dyn SignatureVerificationAlgorithm] {
        match (self, version) {
            (Self::EcdsaSecp256r1Sha256, TlsVersion::Tls13) => P256_SHA256,
            (Self::EcdsaSecp384r1Sha384, TlsVersion::Tls13) => P384_SHA384,
            (Self::EcdsaSecp256r1Sha256, TlsVersion::Tls12) => ANY_CURVE_SHA256,
            (Self::EcdsaSecp384r1Sha384, TlsVersion::Tls12) => ANY_CURVE_SHA384,
            (Self::Ed25519, _) => ED25519,
            (Self::RsaPssRsaeSha256, _) => PSS_SHA256,
            (Self::RsaPssRsaeSha384, _) => PSS_SHA384,
            (Self::RsaPssRsaeSha512, _) => PSS_SHA512,
            (Self::RsaPkcs1Sha256, TlsVersion::Tls12) => PKCS1_SHA256,
            (Self::RsaPkcs1Sha384, TlsVersion::Tls12) => PKCS1_SHA384,
            (Self::RsaPkcs1Sha512, TlsVersion::Tls12) => PKCS1_SHA512,
            _ => &[],
        }
    }
}

type Algorithms = &'static [&'static dyn SignatureVerificationAlgorithm];
static P256_SHA256: Algorithms = &[algs::ECDSA_P256_SHA256];
static P384_SHA384: Algorithms = &[algs::ECDSA_P384_SHA384];
static ANY_CURVE_SHA256: Algorithms = &[algs::ECDSA_P256_SHA256, algs::ECDSA_P384_SHA256];
static ANY_CURVE_SHA384: Algorithms = &[algs::ECDSA_P384_SHA384, algs::ECDSA_P256_SHA384];
static ED25519: Algorithms = &[algs::ED25519];
static PSS_SHA256: Algorithms = &[algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY];
static PSS_SHA384: Algorithms = &[algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY];
static PSS_SHA512: Algorithms = &[algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY];
static PKCS1_SHA256: Algorithms = &[algs::RSA_PKCS1_2048_8192_SHA256];
static PKCS1_SHA384: Algorithms = &[algs::RSA_PKCS1_2048_8192_SHA384];
static PKCS1_SHA512: Algorithms = &[algs::RSA_PKCS1_2048_8192_SHA512];

/// The algorithms webpki may use for the signatures *on certificates* in a chain: every
/// scheme strata supports, PKCS#1 v1.5 included (RFC 8446 §4.2.3 allows it there).
pub(crate) static CERTIFICATE_SIGNATURE_ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] = &[
    algs::ECDSA_P256_SHA256,
    algs::ECDSA_P256_SHA384,
    algs::ECDSA_P384_SHA256,
    algs::ECDSA_P384_SHA384,
    algs::ED25519,
    algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
    algs::RSA_PKCS1_2048_8192_SHA256,
    algs::RSA_PKCS1_2048_8192_SHA384,
    algs::RSA_PKCS1_2048_8192_SHA512,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls13_refuses_pkcs1_and_sha1() {
        for scheme in [
            SignatureScheme::RsaPkcs1Sha256,
            SignatureScheme::RsaPkcs1Sha1,
            SignatureScheme::EcdsaSha1,
        ] {
            assert!(!scheme.allowed_in_tls13());
            assert!(scheme.verification_algorithms(TlsVersion::Tls13).is_empty());
        }
        assert!(SignatureScheme::RsaPssRsaeSha256.allowed_in_tls13());
    }

    #[test]
    fn every_supported_scheme_verifies_in_tls12_and_the_tls13_ones_in_tls13() {
        for &scheme in SUPPORTED_SCHEMES {
            assert!(!scheme.verification_algorithms(TlsVersion::Tls12).is_empty());
            assert_eq!(
                scheme.allowed_in_tls13(),
                !scheme.verification_algorithms(TlsVersion::Tls13).is_empty(),
                "{scheme}"
            );
        }
        assert!(!SignatureScheme::Ed448.is_supported());
    }
}
