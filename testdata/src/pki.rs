//! Throwaway PKIs for tests, made with rcgen: a root CA, intermediates and leaves in every
//! key type strata supports, with knobs for the broken cases (expired, wrong EKU, no CA
//! bit, path length) and CRLs.
//!
//! ```
//! use strata_testdata::pki::{KeyKind, TestCa};
//! let root = TestCa::root(KeyKind::EcdsaP256);
//! let inter = root.intermediate(KeyKind::EcdsaP384, |_| {});
//! let leaf = inter.server_leaf(KeyKind::Ed25519, &["example.com"], |_| {});
//! assert!(leaf.cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
//! ```

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, RevokedCertParams,
    SerialNumber, SignatureAlgorithm,
};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use std::sync::atomic::{AtomicU64, Ordering};

pub use rcgen::{self, date_time_ymd};

/// The key types of the test PKIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// ECDSA on P-256.
    EcdsaP256,
    /// ECDSA on P-384.
    EcdsaP384,
    /// Ed25519.
    Ed25519,
    /// RSA, 2048 bits.
    Rsa2048,
    /// RSA, 3072 bits.
    Rsa3072,
    /// RSA, 4096 bits.
    Rsa4096,
    /// RSA, 1024 bits: too small, for negative tests.
    Rsa1024,
}

impl KeyKind {
    /// Every key type strata accepts for its own keys.
    pub const SUPPORTED: [KeyKind; 6] = [
        Self::EcdsaP256,
        Self::EcdsaP384,
        Self::Ed25519,
        Self::Rsa2048,
        Self::Rsa3072,
        Self::Rsa4096,
    ];

    fn algorithm(self) -> &'static SignatureAlgorithm {
        match self {
            Self::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            Self::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            Self::Ed25519 => &rcgen::PKCS_ED25519,
            Self::Rsa2048 | Self::Rsa3072 | Self::Rsa4096 | Self::Rsa1024 => {
                &rcgen::PKCS_RSA_SHA256
            }
        }
    }

    /// A fresh key of this kind (RSA keys come from the files in testdata/keys).
    pub fn generate(self) -> KeyPair {
        let rsa = |pem: &str| {
            KeyPair::from_pem_and_sign_algo(pem, self.algorithm()).expect("test RSA key")
        };
        match self {
            Self::Rsa2048 => rsa(include_str!("../keys/rsa-2048.pem")),
            Self::Rsa3072 => rsa(include_str!("../keys/rsa-3072.pem")),
            Self::Rsa4096 => rsa(include_str!("../keys/rsa-4096.pem")),
            Self::Rsa1024 => rsa(include_str!("../keys/rsa-1024.pem")),
            _ => KeyPair::generate_for(self.algorithm()).expect("rcgen key generation"),
        }
    }
}

static SERIAL: AtomicU64 = AtomicU64::new(1000);

fn next_serial() -> SerialNumber {
    SerialNumber::from_slice(&SERIAL.fetch_add(1, Ordering::Relaxed).to_be_bytes())
}

/// Parameters with a unique serial, and a subject of `common_name` and that serial, so
/// that two CAs made by a test never share a name.
fn base_params(common_name: &str, names: &[&str]) -> CertificateParams {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("test names");
    let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, format!("{common_name} {serial}"));
    params
        .distinguished_name
        .push(DnType::OrganizationName, "strata tests");
    params.serial_number = Some(SerialNumber::from_slice(&serial.to_be_bytes()));
    // Valid from 2020 to 2040: tests verify at a fixed time in between.
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2040, 1, 1);
    params
}

/// A certificate authority: its certificate and the key that signs for it.
pub struct TestCa {
    /// The CA's certificate.
    pub cert: CertificateDer<'static>,
    cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

impl TestCa {
    /// A self-signed root CA.
    pub fn root(kind: KeyKind) -> Self {
        Self::root_with(kind, |_| {})
    }

    /// A self-signed root CA whose parameters `edit` may change.
    pub fn root_with(kind: KeyKind, edit: impl FnOnce(&mut CertificateParams)) -> Self {
        let mut params = base_params("strata test root", &[]);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        edit(&mut params);
        let key = kind.generate();
        let cert = params.self_signed(&key).expect("self-signed root");
        Self {
            cert: cert.der().clone(),
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// An intermediate CA signed by this one.
    pub fn intermediate(&self, kind: KeyKind, edit: impl FnOnce(&mut CertificateParams)) -> Self {
        let mut params = base_params("strata test intermediate", &[]);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.use_authority_key_identifier_extension = true;
        edit(&mut params);
        let key = kind.generate();
        let cert = params.signed_by(&key, &self.issuer).expect("intermediate");
        Self {
            cert: cert.der().clone(),
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf for a TLS server: the names as DNS or IP SANs, serverAuth EKU.
    pub fn server_leaf(
        &self,
        kind: KeyKind,
        names: &[&str],
        edit: impl FnOnce(&mut CertificateParams),
    ) -> Leaf {
        self.leaf(kind, names, ExtendedKeyUsagePurpose::ServerAuth, edit)
    }

    /// A leaf for a TLS client: clientAuth EKU.
    pub fn client_leaf(
        &self,
        kind: KeyKind,
        names: &[&str],
        edit: impl FnOnce(&mut CertificateParams),
    ) -> Leaf {
        self.leaf(kind, names, ExtendedKeyUsagePurpose::ClientAuth, edit)
    }

    fn leaf(
        &self,
        kind: KeyKind,
        names: &[&str],
        eku: ExtendedKeyUsagePurpose,
        edit: impl FnOnce(&mut CertificateParams),
    ) -> Leaf {
        let mut params = base_params(names.first().copied().unwrap_or("strata test leaf"), names);
        params.is_ca = IsCa::ExplicitNoCa;
        params.extended_key_usages = vec![eku];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        edit(&mut params);
        let key = kind.generate();
        let cert = params.signed_by(&key, &self.issuer).expect("leaf");
        Leaf {
            cert: cert.der().clone(),
            cert_pem: cert.pem(),
            serial: params.serial_number.clone().expect("serial"),
            key,
        }
    }

    /// A CRL from this CA, valid 2020–2040, revoking the given serial numbers.
    pub fn crl(&self, revoked: &[&SerialNumber]) -> CertificateRevocationListDer<'static> {
        self.crl_params(revoked)
            .signed_by(&self.issuer)
            .expect("crl")
            .der()
            .clone()
    }

    fn crl_params(&self, revoked: &[&SerialNumber]) -> CertificateRevocationListParams {
        CertificateRevocationListParams {
            this_update: date_time_ymd(2020, 1, 1),
            next_update: date_time_ymd(2040, 1, 1),
            crl_number: next_serial(),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|serial| RevokedCertParams {
                    serial_number: (*serial).clone(),
                    revocation_time: date_time_ymd(2021, 1, 1),
                    reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: rcgen::KeyIdMethod::Sha256,
        }
    }

    /// The CA's certificate as a PEM block.
    pub fn cert_pem(&self) -> String {
        self.cert_pem.clone()
    }

    /// A CRL from this CA as a PEM block.
    pub fn crl_pem(&self, revoked: &[&SerialNumber]) -> String {
        self.crl_params(revoked)
            .signed_by(&self.issuer)
            .expect("crl")
            .pem()
            .expect("crl pem")
    }
}

/// An end-entity certificate with its private key.
pub struct Leaf {
    /// The certificate.
    pub cert: CertificateDer<'static>,
    /// Its serial number, for CRLs.
    pub serial: SerialNumber,
    cert_pem: String,
    key: KeyPair,
}

impl std::fmt::Debug for Leaf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leaf").finish_non_exhaustive()
    }
}

impl Leaf {
    /// The private key as PKCS#8 DER.
    pub fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(self.key.serialize_der().into())
    }

    /// The private key as a PKCS#8 PEM block.
    pub fn key_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// The certificate as a PEM block.
    pub fn cert_pem(&self) -> String {
        self.cert_pem.clone()
    }
}

/// A serial number, for giving a CA a known one (through the `edit` hook) so that its
/// parent's CRL can revoke it.
pub fn serial(n: u64) -> SerialNumber {
    SerialNumber::from_slice(&n.to_be_bytes())
}
