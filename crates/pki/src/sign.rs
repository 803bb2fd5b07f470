//! Signing keys: a private key that proves the holder owns a certificate, by signing the
//! handshake (CertificateVerify, ServerKeyExchange) with a scheme the peer offered.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, RsaKeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::limits::{MAX_RSA_BITS, MIN_RSA_BITS};
use crate::scheme::TlsVersion;
use crate::verify_signature::verify_tls_signature;
use crate::{der, load, PkiError, SignatureScheme};

/// The kind of a private key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// ECDSA on P-256.
    EcdsaP256,
    /// ECDSA on P-384.
    EcdsaP384,
    /// Ed25519.
    Ed25519,
    /// RSA, with its modulus size in bits.
    Rsa(usize),
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EcdsaP256 => f.write_str("ECDSA P-256"),
            Self::EcdsaP384 => f.write_str("ECDSA P-384"),
            Self::Ed25519 => f.write_str("Ed25519"),
            Self::Rsa(bits) => write!(f, "RSA-{bits}"),
        }
    }
}

/// A private key that signs TLS handshakes. It may live in memory, an HSM or a remote
/// service: the handshake asks for a signature and waits for the answer.
pub trait SigningKey: Send + Sync + fmt::Debug {
    /// What kind of key this is.
    fn key_type(&self) -> KeyType;

    /// The schemes this key can sign with, best first.
    fn schemes(&self) -> &[SignatureScheme];

    /// The first of this key's schemes that the peer offered and `version` allows, or
    /// `None` (handshake_failure).
    fn choose_scheme(
        &self,
        offered: &[SignatureScheme],
        version: TlsVersion,
    ) -> Option<SignatureScheme> {
        self.schemes().iter().copied().find(|scheme| {
            offered.contains(scheme) && (version == TlsVersion::Tls12 || scheme.allowed_in_tls13())
        })
    }

    /// Signs `message` with `scheme`, which must be one of [`SigningKey::schemes`].
    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, PkiError>;
}

/// A key held by ring, of any supported type. `Debug` prints the key type only.
pub struct RingSigningKey {
    inner: RingKey,
    key_type: KeyType,
    rng: SystemRandom,
}

enum RingKey {
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Rsa(RsaKeyPair),
}

impl fmt::Debug for RingSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RingSigningKey")
            .field("key_type", &self.key_type)
            .finish_non_exhaustive()
    }
}

const RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RsaPssRsaeSha256,
    SignatureScheme::RsaPssRsaeSha384,
    SignatureScheme::RsaPssRsaeSha512,
    SignatureScheme::RsaPkcs1Sha256,
    SignatureScheme::RsaPkcs1Sha384,
    SignatureScheme::RsaPkcs1Sha512,
];

/// DER of the ecPublicKey algorithm OID and the two curves' OIDs (RFC 5480 §2.1.1).
const OID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];

/// Wraps a SEC1 ECPrivateKey in a PKCS#8 PrivateKeyInfo for `curve` (RFC 5208 §5), the
/// only form ring reads.
fn sec1_to_pkcs8(sec1: &[u8], curve_oid: &[u8]) -> Vec<u8> {
    let mut algorithm = OID_EC_PUBLIC_KEY.to_vec();
    algorithm.extend_from_slice(curve_oid);
    let mut info = vec![0x02, 0x01, 0x00]; // version 0
    info.extend(der::tlv(der::SEQUENCE, &algorithm));
    info.extend(der::tlv(0x04, sec1));
    der::tlv(der::SEQUENCE, &info)
}

impl RingSigningKey {
    /// Loads a private key of any supported type: ECDSA P-256/P-384 (PKCS#8 or SEC1),
    /// Ed25519 (PKCS#8), RSA of 2048 to 4096 bits (PKCS#8 or PKCS#1).
    pub fn new(key: &PrivateKeyDer<'_>) -> Result<Self, PkiError> {
        let rng = SystemRandom::new();
        let unsupported = |detail: String| PkiError::UnsupportedKey {
            source_name: "<key>".into(),
            detail,
        };
        let (inner, key_type) = match key {
            PrivateKeyDer::Pkcs8(pkcs8) => {
                let der = pkcs8.secret_pkcs8_der();
                if let Ok(k) =
                    EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, der, &rng)
                {
                    (RingKey::Ecdsa(k), KeyType::EcdsaP256)
                } else if let Ok(k) =
                    EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P384_SHA384_ASN1_SIGNING, der, &rng)
                {
                    (RingKey::Ecdsa(k), KeyType::EcdsaP384)
                } else if let Ok(k) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der) {
                    (RingKey::Ed25519(k), KeyType::Ed25519)
                } else {
                    match RsaKeyPair::from_pkcs8(der) {
                        Ok(k) => rsa(k)?,
                        Err(e) if e.to_string() == "TooSmall" => {
                            return Err(unsupported(format!(
                                "an RSA key smaller than {MIN_RSA_BITS} bits"
                            )))
                        }
                        Err(e) => {
                            return Err(unsupported(format!(
                                "a PKCS#8 key that is not ECDSA P-256/P-384, Ed25519 or RSA ({e})"
                            )))
                        }
                    }
                }
            }
            PrivateKeyDer::Sec1(sec1) => {
                let sec1 = sec1.secret_sec1_der();
                let p256 = zeroize::Zeroizing::new(sec1_to_pkcs8(sec1, OID_P256));
                let p384 = zeroize::Zeroizing::new(sec1_to_pkcs8(sec1, OID_P384));
                if let Ok(k) = EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                    &p256,
                    &rng,
                ) {
                    (RingKey::Ecdsa(k), KeyType::EcdsaP256)
                } else if let Ok(k) = EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
                    &p384,
                    &rng,
                ) {
                    (RingKey::Ecdsa(k), KeyType::EcdsaP384)
                } else {
                    return Err(unsupported(
                        "a SEC1 key that is not on P-256 or P-384".into(),
                    ));
                }
            }
            PrivateKeyDer::Pkcs1(pkcs1) => match RsaKeyPair::from_der(pkcs1.secret_pkcs1_der()) {
                Ok(k) => rsa(k)?,
                Err(e) => return Err(unsupported(format!("an unreadable PKCS#1 RSA key ({e})"))),
            },
            _ => return Err(unsupported("an unknown key encoding".into())),
        };
        Ok(Self {
            inner,
            key_type,
            rng,
        })
    }
}

fn rsa(key: RsaKeyPair) -> Result<(RingKey, KeyType), PkiError> {
    let bits = key.public().modulus_len() * 8;
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(PkiError::UnsupportedKey {
            source_name: "<key>".into(),
            detail: format!(
                "an RSA key of {bits} bits; strata signs with {MIN_RSA_BITS} to {MAX_RSA_BITS}"
            ),
        });
    }
    Ok((RingKey::Rsa(key), KeyType::Rsa(bits)))
}

impl SigningKey for RingSigningKey {
    fn key_type(&self) -> KeyType {
        self.key_type
    }

    fn schemes(&self) -> &[SignatureScheme] {
        match self.key_type {
            KeyType::EcdsaP256 => &[SignatureScheme::EcdsaSecp256r1Sha256],
            KeyType::EcdsaP384 => &[SignatureScheme::EcdsaSecp384r1Sha384],
            KeyType::Ed25519 => &[SignatureScheme::Ed25519],
            KeyType::Rsa(_) => RSA_SCHEMES,
        }
    }

    fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, PkiError> {
        if !self.schemes().contains(&scheme) {
            return Err(PkiError::SchemeNotAllowed {
                scheme,
                why: "the scheme does not fit the signing key",
            });
        }
        match &self.inner {
            RingKey::Ecdsa(key) => key
                .sign(&self.rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| PkiError::SigningFailed),
            RingKey::Ed25519(key) => Ok(key.sign(message).as_ref().to_vec()),
            RingKey::Rsa(key) => {
                let padding: &'static dyn signature::RsaEncoding = match scheme {
                    SignatureScheme::RsaPssRsaeSha256 => &signature::RSA_PSS_SHA256,
                    SignatureScheme::RsaPssRsaeSha384 => &signature::RSA_PSS_SHA384,
                    SignatureScheme::RsaPssRsaeSha512 => &signature::RSA_PSS_SHA512,
                    SignatureScheme::RsaPkcs1Sha256 => &signature::RSA_PKCS1_SHA256,
                    SignatureScheme::RsaPkcs1Sha384 => &signature::RSA_PKCS1_SHA384,
                    _ => &signature::RSA_PKCS1_SHA512,
                };
                let mut out = vec![0; key.public().modulus_len()];
                key.sign(padding, &self.rng, message, &mut out)
                    .map_err(|_| PkiError::SigningFailed)?;
                Ok(out)
            }
        }
    }
}

/// A certificate chain (end entity first) and the key that proves it.
#[derive(Clone, Debug)]
pub struct CertifiedKey {
    chain: Vec<CertificateDer<'static>>,
    key: Arc<dyn SigningKey>,
}

impl CertifiedKey {
    /// Pairs `chain` with `key`, checking that the key belongs to the end entity by
    /// signing a probe and verifying it with the certificate.
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: Arc<dyn SigningKey>,
    ) -> Result<Self, PkiError> {
        let leaf = chain.first().ok_or(PkiError::NoCertificate)?;
        let scheme = *key
            .schemes()
            .first()
            .ok_or(PkiError::NoCommonScheme("unknown"))?;
        const PROBE: &[u8] = b"strata: does this key belong to this certificate?";
        let signature = key.sign(scheme, PROBE)?;
        verify_tls_signature(TlsVersion::Tls12, leaf, scheme, PROBE, &signature)
            .map_err(|_| PkiError::KeyMismatch)?;
        Ok(Self { chain, key })
    }

    /// Loads the chain and the key from PEM (or DER) files and pairs them.
    pub fn from_files(
        chain_path: impl AsRef<Path>,
        key_path: impl AsRef<Path>,
    ) -> Result<Self, PkiError> {
        let chain = load::certs_from_file(chain_path)?;
        let key_der = load::private_key_from_file(key_path.as_ref())?;
        let key = RingSigningKey::new(&key_der).map_err(|e| match e {
            PkiError::UnsupportedKey { detail, .. } => PkiError::UnsupportedKey {
                source_name: key_path.as_ref().display().to_string(),
                detail,
            },
            other => other,
        })?;
        Self::new(chain, Arc::new(key))
    }

    /// The chain, end entity first.
    pub fn chain(&self) -> &[CertificateDer<'static>] {
        &self.chain
    }

    /// The end-entity certificate.
    pub fn end_entity(&self) -> Option<&CertificateDer<'static>> {
        self.chain.first()
    }

    /// The signing key.
    pub fn key(&self) -> &Arc<dyn SigningKey> {
        &self.key
    }
}
