//! Choosing the server's certificate for a ClientHello: by the name the client asked for
//! (SNI, RFC 6066 §3) and, among several certificates for one name (an RSA and an ECDSA
//! one, say), by the signature schemes the client accepts (RFC 8446 §4.4.2.2), as
//! `openssl s_server -cert … -dcert …` and nginx do.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use strata_pki::{CertifiedKey, SignatureScheme, TlsVersion};

/// What the server knows of the client when it picks a certificate.
#[derive(Clone, Copy, Debug)]
pub struct ClientHelloInfo<'a> {
    /// The host name from server_name, lower-cased, if the client sent one.
    pub server_name: Option<&'a str>,
    /// The schemes from signature_algorithms, in the client's order.
    pub signature_schemes: &'a [SignatureScheme],
    /// The version being negotiated, whose rules decide which schemes a key may use.
    pub version: TlsVersion,
}

/// Picks the certificate and key a server presents. The handshake asks the facade, which
/// asks this; an implementation may look the answer up anywhere.
pub trait ResolvesServerCert: Send + Sync + Debug {
    /// The certificate to present, or `None` if none suits (handshake_failure).
    fn resolve(&self, hello: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>>;
}

/// The first of `candidates` whose key can sign with a scheme the client offered.
fn first_usable(
    candidates: &[Arc<CertifiedKey>],
    hello: &ClientHelloInfo<'_>,
) -> Option<Arc<CertifiedKey>> {
    candidates
        .iter()
        .find(|c| {
            c.key()
                .choose_scheme(hello.signature_schemes, hello.version)
                .is_some()
        })
        .cloned()
}

/// One or more certificates presented to every client, whatever name it asks for: the
/// first whose key the client's signature schemes accept.
#[derive(Debug, Clone)]
pub struct FixedCertificates {
    candidates: Vec<Arc<CertifiedKey>>,
}

impl FixedCertificates {
    /// Presents `candidates`, in order of preference.
    pub fn new(candidates: Vec<Arc<CertifiedKey>>) -> Self {
        Self { candidates }
    }
}

impl ResolvesServerCert for FixedCertificates {
    fn resolve(&self, hello: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>> {
        first_usable(&self.candidates, hello)
    }
}

/// Certificates chosen by the client's server_name, with a default for clients that send
/// no name or a name not configured.
#[derive(Debug, Clone, Default)]
pub struct CertificatesBySni {
    by_name: HashMap<String, Vec<Arc<CertifiedKey>>>,
    default: Vec<Arc<CertifiedKey>>,
}

impl CertificatesBySni {
    /// An empty resolver: it resolves nothing until certificates are added.
    pub fn new() -> Self {
        Self::default()
    }

    /// Presents `cert` to clients that ask for `name` (compared without regard to case).
    pub fn add(&mut self, name: &str, cert: Arc<CertifiedKey>) {
        self.by_name
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(cert);
    }

    /// Presents `cert` to clients whose name matches nothing added.
    pub fn add_default(&mut self, cert: Arc<CertifiedKey>) {
        self.default.push(cert);
    }
}

impl ResolvesServerCert for CertificatesBySni {
    fn resolve(&self, hello: &ClientHelloInfo<'_>) -> Option<Arc<CertifiedKey>> {
        let named = hello
            .server_name
            .and_then(|name| self.by_name.get(&name.to_ascii_lowercase()));
        match named {
            Some(candidates) => first_usable(candidates, hello),
            None => first_usable(&self.default, hello),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_pki::RingSigningKey;
    use strata_testdata::pki::{KeyKind, TestCa};

    fn certified(ca: &TestCa, kind: KeyKind, name: &str) -> Arc<CertifiedKey> {
        let leaf = ca.server_leaf(kind, &[name], |_| {});
        let key = RingSigningKey::new(&leaf.key_der()).unwrap();
        Arc::new(CertifiedKey::new(vec![leaf.cert.clone()], Arc::new(key)).unwrap())
    }

    fn hello<'a>(name: Option<&'a str>, schemes: &'a [SignatureScheme]) -> ClientHelloInfo<'a> {
        ClientHelloInfo {
            server_name: name,
            signature_schemes: schemes,
            version: TlsVersion::Tls13,
        }
    }

    #[test]
    fn the_client_signature_schemes_choose_between_rsa_and_ecdsa() {
        let ca = TestCa::root(KeyKind::EcdsaP256);
        let rsa = certified(&ca, KeyKind::Rsa2048, "a.example");
        let ecdsa = certified(&ca, KeyKind::EcdsaP256, "a.example");
        let both = FixedCertificates::new(vec![rsa.clone(), ecdsa.clone()]);
        let only_ecdsa = [SignatureScheme::EcdsaSecp256r1Sha256];
        let only_pss = [SignatureScheme::RsaPssRsaeSha256];
        let chosen = both.resolve(&hello(None, &only_ecdsa)).unwrap();
        assert!(Arc::ptr_eq(&chosen, &ecdsa));
        let chosen = both.resolve(&hello(None, &only_pss)).unwrap();
        assert!(Arc::ptr_eq(&chosen, &rsa));
        // TLS 1.3 forbids PKCS#1 in CertificateVerify: an RSA key has nothing to offer.
        assert!(both
            .resolve(&hello(None, &[SignatureScheme::RsaPkcs1Sha256]))
            .is_none());
    }

    #[test]
    fn names_pick_their_certificates_and_others_get_the_default() {
        let ca = TestCa::root(KeyKind::EcdsaP256);
        let a = certified(&ca, KeyKind::EcdsaP256, "a.example");
        let fallback = certified(&ca, KeyKind::EcdsaP256, "fallback.example");
        let mut sni = CertificatesBySni::new();
        sni.add("A.example", a.clone());
        let schemes = [SignatureScheme::EcdsaSecp256r1Sha256];
        assert!(sni.resolve(&hello(Some("b.example"), &schemes)).is_none());
        sni.add_default(fallback.clone());
        let got = sni.resolve(&hello(Some("a.EXAMPLE"), &schemes)).unwrap();
        assert!(Arc::ptr_eq(&got, &a));
        let got = sni.resolve(&hello(Some("b.example"), &schemes)).unwrap();
        assert!(Arc::ptr_eq(&got, &fallback));
        let got = sni.resolve(&hello(None, &schemes)).unwrap();
        assert!(Arc::ptr_eq(&got, &fallback));
    }
}
