//! Verifying a peer's certificate chain: the traits the handshake asks through, and their
//! webpki implementations for a server's chain and, in mutual TLS, a client's.

use std::fmt::Debug;
use std::sync::Arc;

use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, ServerName, UnixTime};
use webpki::{
    CertRevocationList, EndEntityCert, KeyUsage, OwnedCertRevocationList, RevocationCheckDepth,
    RevocationOptionsBuilder, UnknownStatusPolicy,
};

use crate::anchors::{DistinguishedName, TrustAnchors};
use crate::cache::{Fingerprinter, SettingsFingerprint};
use crate::limits::MAX_INTERMEDIATES;
use crate::scheme::{TlsVersion, CERTIFICATE_SIGNATURE_ALGORITHMS, SUPPORTED_SCHEMES};
use crate::verify_signature::verify_tls_signature;
use crate::{PkiError, SignatureScheme};

/// Checks a server's certificate chain and its TLS signatures, for a client.
///
/// The handshake calls nothing itself: it hands the chain to the facade in a request, and
/// the facade answers with what this trait says, at once or later.
pub trait ServerCertVerifier: Send + Sync + Debug {
    /// Checks that `end_entity`, through `intermediates`, chains to a trust anchor, is
    /// valid at `now` for `server_name`, and may be used by a TLS server.
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<(), PkiError>;

    /// Checks a TLS 1.2 ServerKeyExchange signature.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), PkiError> {
        verify_tls_signature(TlsVersion::Tls12, cert, scheme, message, signature)
    }

    /// Checks a TLS 1.3 CertificateVerify signature.
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), PkiError> {
        verify_tls_signature(TlsVersion::Tls13, cert, scheme, message, signature)
    }

    /// The schemes to offer in signature_algorithms, best first.
    fn supported_schemes(&self) -> &[SignatureScheme] {
        SUPPORTED_SCHEMES
    }

    /// An identity of everything besides its arguments that
    /// [`verify_server_cert`](Self::verify_server_cert)'s verdict depends on (trust
    /// anchors, CRLs, revocation policy, the rules themselves): two calls with the same
    /// arguments and the same fingerprint must give the same verdict. A verifier whose
    /// settings change under it must return a new fingerprint from then on.
    ///
    /// `None`, the default, says the verifier cannot describe its settings (it asks a
    /// server online, reads a pin list that changes, ...): a
    /// [`CachingServerVerifier`](crate::CachingServerVerifier) around it then never
    /// caches, and asks it every time.
    fn settings_fingerprint(&self) -> Option<SettingsFingerprint> {
        None
    }
}

/// Checks a client's certificate chain and its signatures, for a server that asks for
/// one (mutual TLS).
pub trait ClientCertVerifier: Send + Sync + Debug {
    /// Whether to send CertificateRequest at all.
    fn offer_client_auth(&self) -> bool {
        true
    }

    /// Whether a client without a certificate is refused (certificate_required).
    fn client_auth_mandatory(&self) -> bool;

    /// The CAs to name in CertificateRequest's certificate_authorities.
    fn root_hint_subjects(&self) -> &[DistinguishedName];

    /// Checks that `end_entity`, through `intermediates`, chains to a trust anchor, is
    /// valid at `now`, and may be used by a TLS client.
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), PkiError>;

    /// Checks a TLS 1.2 client CertificateVerify signature.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), PkiError> {
        verify_tls_signature(TlsVersion::Tls12, cert, scheme, message, signature)
    }

    /// Checks a TLS 1.3 client CertificateVerify signature.
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        scheme: SignatureScheme,
        signature: &[u8],
    ) -> Result<(), PkiError> {
        verify_tls_signature(TlsVersion::Tls13, cert, scheme, message, signature)
    }

    /// The schemes to offer in CertificateRequest's signature_algorithms, best first.
    fn supported_schemes(&self) -> &[SignatureScheme] {
        SUPPORTED_SCHEMES
    }

    /// An identity of everything besides its arguments that
    /// [`verify_client_cert`](Self::verify_client_cert)'s verdict depends on, as
    /// [`ServerCertVerifier::settings_fingerprint`]; `None`, the default, keeps a
    /// [`CachingClientVerifier`](crate::CachingClientVerifier) from caching.
    fn settings_fingerprint(&self) -> Option<SettingsFingerprint> {
        None
    }
}

/// Which certificates of a chain a CRL check covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationDepth {
    /// Only the end entity.
    EndEntity,
    /// Every certificate but the trust anchor.
    Chain,
}

/// What to do when no configured CRL speaks for a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnknownStatus {
    /// Accept the certificate.
    Allow,
    /// Refuse it (certificate_unknown).
    Deny,
}

/// CRL revocation checking.
#[derive(Clone, Debug)]
pub struct Revocation {
    crls: Arc<Vec<CertRevocationList<'static>>>,
    /// SHA-256 over the CRLs' DER, each length-prefixed: what the settings fingerprint
    /// names them by.
    crls_digest: [u8; 32],
    depth: RevocationDepth,
    unknown: UnknownStatus,
}

impl Revocation {
    /// Checks the whole chain against `crls`, refusing certificates no CRL covers.
    pub fn new(crls: &[CertificateRevocationListDer<'_>]) -> Result<Self, PkiError> {
        let crls_der = crls;
        let crls = crls
            .iter()
            .map(|der| {
                OwnedCertRevocationList::from_der(der.as_ref())
                    .map(CertRevocationList::from)
                    .map_err(|e| PkiError::Malformed {
                        what: "CRL",
                        detail: format!("{e:?}"),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut digest = Fingerprinter::new("strata-pki CRLs");
        digest.count(crls.len());
        for der in crls_der {
            digest.bytes(der.as_ref());
        }
        Ok(Self {
            crls: Arc::new(crls),
            crls_digest: digest.finish().to_bytes(),
            depth: RevocationDepth::Chain,
            unknown: UnknownStatus::Deny,
        })
    }

    /// Checks only the end entity, or the whole chain.
    pub fn with_depth(mut self, depth: RevocationDepth) -> Self {
        self.depth = depth;
        self
    }

    /// Allows or denies certificates that no CRL covers.
    pub fn with_unknown_status(mut self, unknown: UnknownStatus) -> Self {
        self.unknown = unknown;
        self
    }
}

/// The chain check both verifiers share: webpki path building to the anchors, validity
/// at `now`, the EKU for `usage`, and CRLs if configured.
#[derive(Clone, Debug)]
struct ChainPolicy {
    anchors: Arc<TrustAnchors>,
    revocation: Option<Revocation>,
    /// Which verifier this is the policy of, for the fingerprint.
    label: &'static str,
    /// The settings fingerprint, kept up to date by `new` and `set_revocation`.
    fingerprint: SettingsFingerprint,
}

impl ChainPolicy {
    fn new(anchors: Arc<TrustAnchors>, label: &'static str) -> Result<Self, PkiError> {
        if anchors.is_empty() {
            return Err(PkiError::NoTrustAnchors);
        }
        let fingerprint = Self::fingerprint_of(label, &anchors, None);
        Ok(Self {
            anchors,
            revocation: None,
            label,
            fingerprint,
        })
    }

    fn set_revocation(&mut self, revocation: Revocation) {
        self.fingerprint = Self::fingerprint_of(self.label, &self.anchors, Some(&revocation));
        self.revocation = Some(revocation);
    }

    /// Everything the verdict depends on besides the chain, the name and the time: the
    /// anchors (subject, key, name constraints), the CRLs and their policy, the limits and
    /// the algorithms (fixed in this version of strata-pki: the label's "v1" names them).
    fn fingerprint_of(
        label: &'static str,
        anchors: &TrustAnchors,
        revocation: Option<&Revocation>,
    ) -> SettingsFingerprint {
        let mut f = Fingerprinter::new(label);
        f.count(MAX_INTERMEDIATES);
        f.count(anchors.anchors().len());
        for anchor in anchors.anchors() {
            f.bytes(anchor.subject.as_ref());
            f.bytes(anchor.subject_public_key_info.as_ref());
            match &anchor.name_constraints {
                Some(nc) => {
                    f.count(1);
                    f.bytes(nc.as_ref());
                }
                None => f.count(0),
            }
        }
        match revocation {
            Some(r) => {
                f.count(1);
                f.bytes(&r.crls_digest);
                f.count(match r.depth {
                    RevocationDepth::EndEntity => 0,
                    RevocationDepth::Chain => 1,
                });
                f.count(match r.unknown {
                    UnknownStatus::Allow => 0,
                    UnknownStatus::Deny => 1,
                });
            }
            None => f.count(0),
        }
        f.count(SUPPORTED_SCHEMES.len());
        for scheme in SUPPORTED_SCHEMES {
            f.count(usize::from(scheme.to_wire()));
        }
        f.finish()
    }

    fn verify<'a>(
        &self,
        end_entity: &'a CertificateDer<'a>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
        usage: KeyUsage,
        usage_name: &'static str,
    ) -> Result<EndEntityCert<'a>, PkiError> {
        if intermediates.len() > MAX_INTERMEDIATES {
            return Err(PkiError::TooManyIntermediates(intermediates.len()));
        }
        let cert = EndEntityCert::try_from(end_entity).map_err(|e| PkiError::Malformed {
            what: "certificate",
            detail: format!("{e:?}"),
        })?;
        let crl_refs: Vec<&CertRevocationList<'_>> = self
            .revocation
            .as_ref()
            .map(|r| r.crls.iter().collect())
            .unwrap_or_default();
        let revocation = match &self.revocation {
            Some(r) => Some(
                RevocationOptionsBuilder::new(&crl_refs)
                    .map_err(|_| PkiError::InvalidChain("revocation checking needs a CRL".into()))?
                    .with_depth(match r.depth {
                        RevocationDepth::EndEntity => RevocationCheckDepth::EndEntity,
                        RevocationDepth::Chain => RevocationCheckDepth::Chain,
                    })
                    .with_status_policy(match r.unknown {
                        UnknownStatus::Allow => UnknownStatusPolicy::Allow,
                        UnknownStatus::Deny => UnknownStatusPolicy::Deny,
                    })
                    .build(),
            ),
            None => None,
        };
        // webpki borrows the intermediates for the lifetime of the end entity's path.
        let intermediates: Vec<CertificateDer<'_>> = intermediates
            .iter()
            .map(|c| CertificateDer::from(c.as_ref()))
            .collect();
        cert.verify_for_usage(
            CERTIFICATE_SIGNATURE_ALGORITHMS,
            self.anchors.anchors(),
            &intermediates,
            now,
            usage,
            revocation,
            None,
        )
        .map_err(|e| PkiError::from_chain(e, usage_name))?;
        Ok(cert)
    }
}

/// The webpki verifier of a server's chain: path to the anchors, validity, serverAuth
/// EKU, the DNS name (one left-most wildcard label at most) or IP address, and CRLs.
#[derive(Clone, Debug)]
pub struct WebPkiServerVerifier {
    policy: ChainPolicy,
}

impl WebPkiServerVerifier {
    /// A verifier chaining to `anchors`; fails if there are none.
    pub fn new(anchors: Arc<TrustAnchors>) -> Result<Self, PkiError> {
        Ok(Self {
            policy: ChainPolicy::new(anchors, "strata-pki WebPkiServerVerifier v1")?,
        })
    }

    /// Checks revocation against CRLs too.
    pub fn with_revocation(mut self, revocation: Revocation) -> Self {
        self.policy.set_revocation(revocation);
        self
    }
}

impl ServerCertVerifier for WebPkiServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<(), PkiError> {
        let cert = self.policy.verify(
            end_entity,
            intermediates,
            now,
            KeyUsage::server_auth(),
            "a TLS server",
        )?;
        cert.verify_is_valid_for_subject_name(server_name)
            .map_err(|_| PkiError::NotValidForName(name_text(server_name)))
    }

    fn settings_fingerprint(&self) -> Option<SettingsFingerprint> {
        Some(self.policy.fingerprint)
    }
}

fn name_text(name: &ServerName<'_>) -> String {
    match name {
        ServerName::DnsName(dns) => dns.as_ref().to_string(),
        ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
        other => format!("{other:?}"),
    }
}

/// The webpki verifier of a client's chain for mutual TLS: path to the anchors,
/// validity, clientAuth EKU and CRLs; optional or mandatory.
#[derive(Clone, Debug)]
pub struct WebPkiClientVerifier {
    policy: ChainPolicy,
    mandatory: bool,
}

impl WebPkiClientVerifier {
    /// A verifier chaining to `anchors` that requires a client certificate; fails if there
    /// are no anchors.
    pub fn new(anchors: Arc<TrustAnchors>) -> Result<Self, PkiError> {
        Ok(Self {
            policy: ChainPolicy::new(anchors, "strata-pki WebPkiClientVerifier v1")?,
            mandatory: true,
        })
    }

    /// Lets clients without a certificate in (they are then anonymous).
    pub fn allow_unauthenticated(mut self) -> Self {
        self.mandatory = false;
        self
    }

    /// Checks revocation against CRLs too.
    pub fn with_revocation(mut self, revocation: Revocation) -> Self {
        self.policy.set_revocation(revocation);
        self
    }
}

impl ClientCertVerifier for WebPkiClientVerifier {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.policy.anchors.subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), PkiError> {
        self.policy
            .verify(
                end_entity,
                intermediates,
                now,
                KeyUsage::client_auth(),
                "a TLS client",
            )
            .map(|_| ())
    }

    fn settings_fingerprint(&self) -> Option<SettingsFingerprint> {
        Some(self.policy.fingerprint)
    }
}
