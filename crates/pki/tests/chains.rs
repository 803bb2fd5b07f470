//! Chain validation on PKIs made with rcgen: each case names the error and the alert.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
#![allow(clippy::cloned_ref_to_slice_refs)] // `&[x.clone()]` reads better in a chain

use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use strata_alert::AlertDescription as A;
use strata_pki::{
    ClientCertVerifier, PkiError, Revocation, RevocationDepth, ServerCertVerifier, TrustAnchors,
    UnknownStatus, WebPkiClientVerifier, WebPkiServerVerifier,
};
use strata_testdata::pki::rcgen::{self, BasicConstraints, IsCa};
use strata_testdata::pki::{date_time_ymd, serial, KeyKind, Leaf, TestCa};

/// 2030-01-01: inside the 2020–2040 validity of the test certificates.
fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(1_893_456_000))
}

fn name(n: &str) -> ServerName<'static> {
    ServerName::try_from(n.to_string()).unwrap()
}

fn anchors(ca: &TestCa) -> Arc<TrustAnchors> {
    Arc::new(TrustAnchors::from_certs(&[ca.cert.clone()]).unwrap())
}

fn server_verify(
    root: &TestCa,
    leaf: &Leaf,
    intermediates: &[CertificateDer<'static>],
    host: &str,
) -> Result<(), PkiError> {
    WebPkiServerVerifier::new(anchors(root))
        .unwrap()
        .verify_server_cert(&leaf.cert, intermediates, &name(host), &[], now())
}

/// root -> intermediate -> leaf for "example.com", all ECDSA P-256.
fn pki() -> (TestCa, TestCa, Leaf) {
    let root = TestCa::root(KeyKind::EcdsaP256);
    let inter = root.intermediate(KeyKind::EcdsaP256, |_| {});
    let leaf = inter.server_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {});
    (root, inter, leaf)
}

fn assert_refused(result: Result<(), PkiError>, alert: A) -> PkiError {
    let err = result.expect_err("the chain must be refused");
    assert_eq!(err.alert(), alert, "{err}");
    err
}

#[test]
fn a_valid_chain_verifies_in_every_key_type() {
    for kind in KeyKind::SUPPORTED {
        let root = TestCa::root(kind);
        let inter = root.intermediate(kind, |_| {});
        let leaf = inter.server_leaf(kind, &["example.com"], |_| {});
        server_verify(&root, &leaf, &[inter.cert.clone()], "example.com")
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    }
}

#[test]
fn mixed_key_types_along_the_chain_verify() {
    let root = TestCa::root(KeyKind::Rsa2048);
    let inter = root.intermediate(KeyKind::EcdsaP384, |_| {});
    let leaf = inter.server_leaf(KeyKind::Ed25519, &["example.com"], |_| {});
    server_verify(&root, &leaf, &[inter.cert.clone()], "example.com").unwrap();
}

#[test]
fn an_expired_leaf_is_certificate_expired() {
    let (root, inter, _) = pki();
    let leaf = inter.server_leaf(KeyKind::EcdsaP256, &["example.com"], |p| {
        p.not_after = date_time_ymd(2025, 1, 1);
    });
    let err = assert_refused(
        server_verify(&root, &leaf, &[inter.cert.clone()], "example.com"),
        A::CertificateExpired,
    );
    assert_eq!(err, PkiError::Expired);
}

#[test]
fn a_leaf_not_yet_valid_is_certificate_expired() {
    let (root, inter, _) = pki();
    let leaf = inter.server_leaf(KeyKind::EcdsaP256, &["example.com"], |p| {
        p.not_before = date_time_ymd(2035, 1, 1);
    });
    let err = assert_refused(
        server_verify(&root, &leaf, &[inter.cert.clone()], "example.com"),
        A::CertificateExpired,
    );
    assert_eq!(err, PkiError::NotValidYet);
}

#[test]
fn an_expired_intermediate_is_certificate_expired() {
    let root = TestCa::root(KeyKind::EcdsaP256);
    let inter = root.intermediate(KeyKind::EcdsaP256, |p| {
        p.not_after = date_time_ymd(2025, 1, 1);
    });
    let leaf = inter.server_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {});
    assert_refused(
        server_verify(&root, &leaf, &[inter.cert.clone()], "example.com"),
        A::CertificateExpired,
    );
}

#[test]
fn a_chain_to_another_ca_is_unknown_ca() {
    let (_, inter, leaf) = pki();
    let stranger = TestCa::root(KeyKind::EcdsaP256);
    let err = assert_refused(
        server_verify(&stranger, &leaf, &[inter.cert.clone()], "example.com"),
        A::UnknownCa,
    );
    assert_eq!(err, PkiError::UnknownIssuer);
}

#[test]
fn a_missing_intermediate_is_unknown_ca() {
    let (root, _, leaf) = pki();
    assert_refused(
        server_verify(&root, &leaf, &[], "example.com"),
        A::UnknownCa,
    );
}

#[test]
fn a_self_signed_leaf_is_unknown_ca() {
    let (root, _, _) = pki();
    let self_signed = TestCa::root_with(KeyKind::EcdsaP256, |p| {
        p.is_ca = IsCa::ExplicitNoCa;
        p.subject_alt_names = vec![rcgen::SanType::DnsName("example.com".try_into().unwrap())];
    });
    let verifier = WebPkiServerVerifier::new(anchors(&root)).unwrap();
    let err = verifier
        .verify_server_cert(&self_signed.cert, &[], &name("example.com"), &[], now())
        .unwrap_err();
    assert_eq!(err.alert(), A::UnknownCa);
}

#[test]
fn the_wrong_name_is_bad_certificate() {
    let (root, inter, leaf) = pki();
    let err = assert_refused(
        server_verify(&root, &leaf, &[inter.cert.clone()], "example.org"),
        A::BadCertificate,
    );
    assert_eq!(err, PkiError::NotValidForName("example.org".into()));
}

#[test]
fn a_wildcard_matches_one_left_most_label_only() {
    let (root, inter, _) = pki();
    let leaf = inter.server_leaf(KeyKind::EcdsaP256, &["*.example.com"], |_| {});
    let chain = [inter.cert.clone()];
    server_verify(&root, &leaf, &chain, "www.example.com").unwrap();
    // Two labels under the wildcard, and the bare domain, must not match (RFC 6125 §6.4.3).
    assert_refused(
        server_verify(&root, &leaf, &chain, "a.b.example.com"),
        A::BadCertificate,
    );
    assert_refused(
        server_verify(&root, &leaf, &chain, "example.com"),
        A::BadCertificate,
    );
}

#[test]
fn a_partial_label_wildcard_does_not_match() {
    let (root, inter, _) = pki();
    let leaf = inter.server_leaf(KeyKind::EcdsaP256, &["w*.example.com"], |_| {});
    assert_refused(
        server_verify(&root, &leaf, &[inter.cert.clone()], "www.example.com"),
        A::BadCertificate,
    );
}

#[test]
fn an_ip_address_san_matches_that_address_only() {
    let (root, inter, _) = pki();
    let leaf = inter.server_leaf(KeyKind::EcdsaP256, &["192.0.2.7", "2001:db8::1"], |_| {});
    let chain = [inter.cert.clone()];
    server_verify(&root, &leaf, &chain, "192.0.2.7").unwrap();
    server_verify(&root, &leaf, &chain, "2001:db8::1").unwrap();
    assert_refused(
        server_verify(&root, &leaf, &chain, "192.0.2.8"),
        A::BadCertificate,
    );
    // An address is not a DNS name: a DNS SAN that looks like one does not count.
    let dns_leaf = inter.server_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {});
    assert_refused(
        server_verify(&root, &dns_leaf, &chain, "192.0.2.7"),
        A::BadCertificate,
    );
}

#[test]
fn a_client_certificate_is_refused_for_a_server() {
    let (root, inter, _) = pki();
    let client_leaf = inter.client_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {});
    let err = assert_refused(
        server_verify(&root, &client_leaf, &[inter.cert.clone()], "example.com"),
        A::UnsupportedCertificate,
    );
    assert!(matches!(err, PkiError::WrongKeyUsage(_)));
}

#[test]
fn a_server_certificate_is_refused_for_a_client() {
    let (root, inter, server_leaf) = pki();
    let verifier = WebPkiClientVerifier::new(anchors(&root)).unwrap();
    let err = verifier
        .verify_client_cert(&server_leaf.cert, &[inter.cert.clone()], now())
        .unwrap_err();
    assert_eq!(err.alert(), A::UnsupportedCertificate);
    let client_leaf = inter.client_leaf(KeyKind::Ed25519, &["alice"], |_| {});
    verifier
        .verify_client_cert(&client_leaf.cert, &[inter.cert.clone()], now())
        .unwrap();
}

#[test]
fn an_intermediate_without_ca_true_cannot_issue() {
    let root = TestCa::root(KeyKind::EcdsaP256);
    let not_a_ca = root.intermediate(KeyKind::EcdsaP256, |p| p.is_ca = IsCa::ExplicitNoCa);
    let leaf = not_a_ca.server_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {});
    let err = server_verify(&root, &leaf, &[not_a_ca.cert.clone()], "example.com").unwrap_err();
    // webpki reports the failed path as "no issuer found" or an EE used as a CA.
    assert!(
        matches!(err.alert(), A::UnknownCa | A::BadCertificate),
        "{err}"
    );
}

#[test]
fn a_path_length_constraint_is_enforced() {
    // root -> inter1 (pathLenConstraint 0) -> inter2 -> leaf: inter2 is one CA too many.
    let root = TestCa::root(KeyKind::EcdsaP256);
    let inter1 = root.intermediate(KeyKind::EcdsaP256, |p| {
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    });
    let inter2 = inter1.intermediate(KeyKind::EcdsaP256, |_| {});
    let leaf = inter2.server_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {});
    let chain = [inter2.cert.clone(), inter1.cert.clone()];
    let err = server_verify(&root, &leaf, &chain, "example.com").unwrap_err();
    assert!(
        matches!(err.alert(), A::UnknownCa | A::BadCertificate),
        "{err}"
    );
    // With room for one more CA below inter1, the same shape verifies.
    let inter1 = root.intermediate(KeyKind::EcdsaP256, |p| {
        p.is_ca = IsCa::Ca(BasicConstraints::Constrained(1));
    });
    let inter2 = inter1.intermediate(KeyKind::EcdsaP256, |_| {});
    let leaf = inter2.server_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {});
    let chain = [inter2.cert.clone(), inter1.cert.clone()];
    server_verify(&root, &leaf, &chain, "example.com").unwrap();
}

#[test]
fn too_many_intermediates_are_refused_before_path_building() {
    let (root, inter, leaf) = pki();
    let many = vec![inter.cert.clone(); strata_pki::limits::MAX_INTERMEDIATES + 1];
    let err = server_verify(&root, &leaf, &many, "example.com").unwrap_err();
    assert_eq!(err, PkiError::TooManyIntermediates(many.len()));
}

#[test]
fn garbage_instead_of_a_certificate_is_bad_certificate() {
    let (root, _, _) = pki();
    let verifier = WebPkiServerVerifier::new(anchors(&root)).unwrap();
    let junk = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
    let err = verifier
        .verify_server_cert(&junk, &[], &name("example.com"), &[], now())
        .unwrap_err();
    assert_eq!(err.alert(), A::BadCertificate);
}

#[test]
fn no_anchors_is_a_configuration_error() {
    let err = WebPkiServerVerifier::new(Arc::new(TrustAnchors::new())).unwrap_err();
    assert_eq!(err, PkiError::NoTrustAnchors);
}

mod revocation {
    use super::*;

    /// A root, an intermediate with a known serial, and a leaf under it.
    fn pki_with_known_serials() -> (TestCa, TestCa, Leaf) {
        let root = TestCa::root(KeyKind::EcdsaP256);
        let inter = root.intermediate(KeyKind::EcdsaP256, |p| p.serial_number = Some(serial(77)));
        let leaf = inter.server_leaf(KeyKind::EcdsaP256, &["example.com"], |_| {});
        (root, inter, leaf)
    }

    fn verify(
        root: &TestCa,
        inter: &TestCa,
        leaf: &Leaf,
        revocation: Revocation,
    ) -> Result<(), PkiError> {
        WebPkiServerVerifier::new(anchors(root))
            .unwrap()
            .with_revocation(revocation)
            .verify_server_cert(
                &leaf.cert,
                &[inter.cert.clone()],
                &name("example.com"),
                &[],
                now(),
            )
    }

    #[test]
    fn a_revoked_leaf_is_certificate_revoked() {
        let (root, inter, leaf) = pki_with_known_serials();
        let crls = [root.crl(&[]), inter.crl(&[&leaf.serial])];
        let err = verify(&root, &inter, &leaf, Revocation::new(&crls).unwrap()).unwrap_err();
        assert_eq!(err, PkiError::Revoked);
        assert_eq!(err.alert(), A::CertificateRevoked);
    }

    #[test]
    fn a_revoked_intermediate_is_certificate_revoked_unless_only_the_leaf_is_checked() {
        let (root, inter, leaf) = pki_with_known_serials();
        let crls = [root.crl(&[&serial(77)]), inter.crl(&[])];
        let err = verify(&root, &inter, &leaf, Revocation::new(&crls).unwrap()).unwrap_err();
        assert_eq!(err.alert(), A::CertificateRevoked);
        let end_entity_only = Revocation::new(&crls)
            .unwrap()
            .with_depth(RevocationDepth::EndEntity);
        verify(&root, &inter, &leaf, end_entity_only).unwrap();
    }

    #[test]
    fn unrevoked_chains_verify() {
        let (root, inter, leaf) = pki_with_known_serials();
        let crls = [root.crl(&[&serial(5)]), inter.crl(&[&serial(6)])];
        verify(&root, &inter, &leaf, Revocation::new(&crls).unwrap()).unwrap();
    }

    #[test]
    fn unknown_status_is_denied_by_default_and_may_be_allowed() {
        let (root, inter, leaf) = pki_with_known_serials();
        // Only the root's CRL: nothing speaks for the leaf.
        let crls = [root.crl(&[])];
        let err = verify(&root, &inter, &leaf, Revocation::new(&crls).unwrap()).unwrap_err();
        assert_eq!(err.alert(), A::CertificateUnknown);
        let allow = Revocation::new(&crls)
            .unwrap()
            .with_unknown_status(UnknownStatus::Allow);
        verify(&root, &inter, &leaf, allow).unwrap();
    }

    #[test]
    fn client_verifiers_check_crls_too() {
        let (root, inter, _) = pki_with_known_serials();
        let client = inter.client_leaf(KeyKind::EcdsaP256, &["alice"], |_| {});
        let crls = [root.crl(&[]), inter.crl(&[&client.serial])];
        let verifier = WebPkiClientVerifier::new(anchors(&root))
            .unwrap()
            .with_revocation(Revocation::new(&crls).unwrap());
        let err = verifier
            .verify_client_cert(&client.cert, &[inter.cert.clone()], now())
            .unwrap_err();
        assert_eq!(err.alert(), A::CertificateRevoked);
    }

    #[test]
    fn a_garbage_crl_is_refused_when_configured() {
        let err = Revocation::new(&[vec![0x30, 0x00].into()]).unwrap_err();
        assert!(matches!(err, PkiError::Malformed { what: "CRL", .. }));
    }
}

#[test]
fn client_verifiers_name_their_cas_and_say_whether_auth_is_mandatory() {
    let root = TestCa::root(KeyKind::EcdsaP256);
    let verifier = WebPkiClientVerifier::new(anchors(&root)).unwrap();
    assert!(verifier.client_auth_mandatory());
    assert!(verifier.offer_client_auth());
    let hints = verifier.root_hint_subjects();
    assert_eq!(hints.len(), 1);
    // A DER Name: a SEQUENCE holding the subject, which includes our CN.
    let der = hints[0].as_der();
    assert_eq!(der[0], 0x30);
    assert!(der.windows(16).any(|w| w == b"strata test root"));
    let optional = WebPkiClientVerifier::new(anchors(&root))
        .unwrap()
        .allow_unauthenticated();
    assert!(!optional.client_auth_mandatory());
}
