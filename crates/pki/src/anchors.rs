//! Trust anchors: the CAs whose word strata takes.

use std::path::Path;

use rustls_pki_types::{CertificateDer, TrustAnchor};

use crate::{der, load, PkiError};

/// A distinguished name in its DER encoding (a `Name` SEQUENCE, RFC 5280 §4.1.2.4), as
/// CertificateRequest's certificate_authorities carries it (RFC 8446 §4.2.4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DistinguishedName(Vec<u8>);

impl DistinguishedName {
    /// Wraps the contents of a `Name` (what webpki keeps as a trust anchor's subject) in
    /// its SEQUENCE header.
    fn from_name_contents(contents: &[u8]) -> Self {
        Self(der::tlv(der::SEQUENCE, contents))
    }

    /// The DER bytes.
    pub fn as_der(&self) -> &[u8] {
        &self.0
    }
}

/// The set of trust anchors a verifier chains to.
#[derive(Clone, Debug, Default)]
pub struct TrustAnchors {
    anchors: Vec<TrustAnchor<'static>>,
    subjects: Vec<DistinguishedName>,
}

impl TrustAnchors {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one CA certificate as a trust anchor.
    pub fn add(&mut self, cert: &CertificateDer<'_>) -> Result<(), PkiError> {
        let anchor = webpki::anchor_from_trusted_cert(cert)
            .map_err(|e| PkiError::Malformed {
                what: "trust anchor",
                detail: format!("{e:?}"),
            })?
            .to_owned();
        self.subjects.push(DistinguishedName::from_name_contents(
            anchor.subject.as_ref(),
        ));
        self.anchors.push(anchor);
        Ok(())
    }

    /// Every certificate in `pem_or_der` as a trust anchor.
    pub fn from_bytes(pem_or_der: &[u8]) -> Result<Self, PkiError> {
        Self::from_certs(&load::certs_from_bytes(pem_or_der)?)
    }

    /// Every certificate in the file at `path` as a trust anchor.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, PkiError> {
        Self::from_certs(&load::certs_from_file(path)?)
    }

    /// Each of `certs` as a trust anchor.
    pub fn from_certs(certs: &[CertificateDer<'_>]) -> Result<Self, PkiError> {
        let mut anchors = Self::new();
        for cert in certs {
            anchors.add(cert)?;
        }
        Ok(anchors)
    }

    /// How many anchors there are.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// The anchors, as webpki takes them.
    pub(crate) fn anchors(&self) -> &[TrustAnchor<'static>] {
        &self.anchors
    }

    /// The anchors' subject names, for certificate_authorities.
    pub fn subjects(&self) -> &[DistinguishedName] {
        &self.subjects
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_gets_its_sequence_header() {
        assert_eq!(
            DistinguishedName::from_name_contents(&[1, 2]).as_der(),
            &[0x30, 2, 1, 2]
        );
    }
}
