//! What each supported cipher suite means: its protocol version, AEAD, hash and, for
//! TLS 1.2, the signature algorithm its certificate must have.

use strata_pki::TlsVersion;
use strata_record::AeadAlgorithm;

use crate::key_schedule::HashAlgorithm;
use crate::CipherSuite;

/// The kind of certificate key a TLS 1.2 ECDHE suite authenticates with (RFC 8422 §2).
/// TLS 1.3 suites do not constrain it (RFC 8446 §4.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tls12Auth {
    /// ECDHE_ECDSA: the server signs with an ECDSA (or EdDSA) key.
    Ecdsa,
    /// ECDHE_RSA: the server signs with an RSA key.
    Rsa,
}

/// A cipher suite strata implements, with everything the key schedule and the record layer
/// need to know about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SupportedSuite {
    /// The code point.
    pub suite: CipherSuite,
    /// The one protocol version the suite belongs to.
    pub version: TlsVersion,
    /// The record protection.
    pub aead: AeadAlgorithm,
    /// The hash of the key schedule, transcript and (TLS 1.2) PRF.
    pub hash: HashAlgorithm,
    /// For TLS 1.2 suites, the server certificate's key kind; `None` for TLS 1.3.
    pub tls12_auth: Option<Tls12Auth>,
}

const fn tls13(suite: CipherSuite, aead: AeadAlgorithm, hash: HashAlgorithm) -> SupportedSuite {
    SupportedSuite {
        suite,
        version: TlsVersion::Tls13,
        aead,
        hash,
        tls12_auth: None,
    }
}

const fn tls12(
    suite: CipherSuite,
    auth: Tls12Auth,
    aead: AeadAlgorithm,
    hash: HashAlgorithm,
) -> SupportedSuite {
    SupportedSuite {
        suite,
        version: TlsVersion::Tls12,
        aead,
        hash,
        tls12_auth: Some(auth),
    }
}

/// TLS_AES_128_GCM_SHA256 (RFC 8446 §B.4).
pub const TLS13_AES_128_GCM_SHA256: SupportedSuite = tls13(
    CipherSuite::Tls13Aes128GcmSha256,
    AeadAlgorithm::Aes128Gcm,
    HashAlgorithm::Sha256,
);
/// TLS_AES_256_GCM_SHA384 (RFC 8446 §B.4).
pub const TLS13_AES_256_GCM_SHA384: SupportedSuite = tls13(
    CipherSuite::Tls13Aes256GcmSha384,
    AeadAlgorithm::Aes256Gcm,
    HashAlgorithm::Sha384,
);
/// TLS_CHACHA20_POLY1305_SHA256 (RFC 8446 §B.4).
pub const TLS13_CHACHA20_POLY1305_SHA256: SupportedSuite = tls13(
    CipherSuite::Tls13Chacha20Poly1305Sha256,
    AeadAlgorithm::Chacha20Poly1305,
    HashAlgorithm::Sha256,
);
/// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (RFC 5289).
pub const TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256: SupportedSuite = tls12(
    CipherSuite::TlsEcdheEcdsaWithAes128GcmSha256,
    Tls12Auth::Ecdsa,
    AeadAlgorithm::Aes128Gcm,
    HashAlgorithm::Sha256,
);
/// TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (RFC 5289).
pub const TLS12_ECDHE_ECDSA_AES_256_GCM_SHA384: SupportedSuite = tls12(
    CipherSuite::TlsEcdheEcdsaWithAes256GcmSha384,
    Tls12Auth::Ecdsa,
    AeadAlgorithm::Aes256Gcm,
    HashAlgorithm::Sha384,
);
/// TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (RFC 7905).
pub const TLS12_ECDHE_ECDSA_CHACHA20_POLY1305_SHA256: SupportedSuite = tls12(
    CipherSuite::TlsEcdheEcdsaWithChacha20Poly1305Sha256,
    Tls12Auth::Ecdsa,
    AeadAlgorithm::Chacha20Poly1305,
    HashAlgorithm::Sha256,
);
/// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (RFC 5289).
pub const TLS12_ECDHE_RSA_AES_128_GCM_SHA256: SupportedSuite = tls12(
    CipherSuite::TlsEcdheRsaWithAes128GcmSha256,
    Tls12Auth::Rsa,
    AeadAlgorithm::Aes128Gcm,
    HashAlgorithm::Sha256,
);
/// TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (RFC 5289).
pub const TLS12_ECDHE_RSA_AES_256_GCM_SHA384: SupportedSuite = tls12(
    CipherSuite::TlsEcdheRsaWithAes256GcmSha384,
    Tls12Auth::Rsa,
    AeadAlgorithm::Aes256Gcm,
    HashAlgorithm::Sha384,
);
/// TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 (RFC 7905).
pub const TLS12_ECDHE_RSA_CHACHA20_POLY1305_SHA256: SupportedSuite = tls12(
    CipherSuite::TlsEcdheRsaWithChacha20Poly1305Sha256,
    Tls12Auth::Rsa,
    AeadAlgorithm::Chacha20Poly1305,
    HashAlgorithm::Sha256,
);

/// Every suite strata implements, in its default order of preference: TLS 1.3 first, then
/// AES-GCM before ChaCha20 (both are fast with the CPU's AES instructions), ECDSA before
/// RSA for TLS 1.2.
pub const ALL_SUITES: &[SupportedSuite] = &[
    TLS13_AES_128_GCM_SHA256,
    TLS13_AES_256_GCM_SHA384,
    TLS13_CHACHA20_POLY1305_SHA256,
    TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256,
    TLS12_ECDHE_ECDSA_AES_256_GCM_SHA384,
    TLS12_ECDHE_ECDSA_CHACHA20_POLY1305_SHA256,
    TLS12_ECDHE_RSA_AES_128_GCM_SHA256,
    TLS12_ECDHE_RSA_AES_256_GCM_SHA384,
    TLS12_ECDHE_RSA_CHACHA20_POLY1305_SHA256,
];

impl SupportedSuite {
    /// The implemented suite with this code point, if strata implements it.
    pub fn lookup(suite: CipherSuite) -> Option<Self> {
        ALL_SUITES.iter().copied().find(|s| s.suite == suite)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suite_is_found_by_its_code_point_and_only_those() {
        for s in ALL_SUITES {
            assert_eq!(SupportedSuite::lookup(s.suite), Some(*s));
        }
        assert_eq!(
            SupportedSuite::lookup(CipherSuite::Tls13Aes128CcmSha256),
            None
        );
        assert_eq!(SupportedSuite::lookup(CipherSuite::Unknown(0x000a)), None);
    }

    #[test]
    fn suite_names_say_their_hash_and_aead() {
        for s in ALL_SUITES {
            let name = s.suite.to_string();
            assert!(name.ends_with(s.hash.name()), "{name}");
            let aead = match s.aead {
                AeadAlgorithm::Aes128Gcm => "AES_128_GCM",
                AeadAlgorithm::Aes256Gcm => "AES_256_GCM",
                AeadAlgorithm::Chacha20Poly1305 => "CHACHA20_POLY1305",
            };
            assert!(name.contains(aead), "{name}");
            assert_eq!(
                name.starts_with("TLS_ECDHE_"),
                s.version == TlsVersion::Tls12
            );
        }
    }
}
