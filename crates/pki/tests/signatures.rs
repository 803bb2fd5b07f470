//! TLS signatures: every scheme signs and verifies, and fails after one flipped bit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use strata_alert::AlertDescription as A;
use strata_pki::{
    verify_tls_signature, KeyType, PkiError, RingSigningKey, SignatureScheme, SigningKey,
    TlsVersion, SUPPORTED_SCHEMES,
};
use strata_testdata::pki::{KeyKind, Leaf, TestCa};

const MESSAGE: &[u8] = b"TLS 1.3, server CertificateVerify\x00 transcript hash goes here";

fn leaf(kind: KeyKind) -> (Leaf, RingSigningKey) {
    let root = TestCa::root(KeyKind::EcdsaP256);
    let leaf = root.server_leaf(kind, &["example.com"], |_| {});
    let key = RingSigningKey::new(&leaf.key_der()).unwrap();
    (leaf, key)
}

#[test]
fn every_scheme_of_every_key_verifies_and_fails_after_a_flipped_bit() {
    let mut checked = Vec::new();
    for kind in KeyKind::SUPPORTED {
        let (leaf, key) = leaf(kind);
        for &scheme in key.schemes() {
            let signature = key.sign(scheme, MESSAGE).unwrap();
            for version in [TlsVersion::Tls12, TlsVersion::Tls13] {
                if version == TlsVersion::Tls13 && !scheme.allowed_in_tls13() {
                    continue;
                }
                verify_tls_signature(version, &leaf.cert, scheme, MESSAGE, &signature)
                    .unwrap_or_else(|e| panic!("{kind:?} {scheme} {version:?}: {e}"));

                let mut bad_sig = signature.clone();
                let last = bad_sig.len() - 1;
                bad_sig[last] ^= 1;
                let err = verify_tls_signature(version, &leaf.cert, scheme, MESSAGE, &bad_sig)
                    .unwrap_err();
                assert_eq!(err, PkiError::BadSignature(scheme));
                assert_eq!(err.alert(), A::DecryptError);

                let mut bad_msg = MESSAGE.to_vec();
                bad_msg[3] ^= 0x80;
                let err = verify_tls_signature(version, &leaf.cert, scheme, &bad_msg, &signature)
                    .unwrap_err();
                assert_eq!(err.alert(), A::DecryptError);
            }
            checked.push(scheme);
        }
    }
    for scheme in SUPPORTED_SCHEMES {
        assert!(checked.contains(scheme), "{scheme} was never exercised");
    }
}

#[test]
fn tls13_refuses_pkcs1_even_with_a_valid_signature() {
    let (leaf, key) = leaf(KeyKind::Rsa2048);
    let scheme = SignatureScheme::RsaPkcs1Sha256;
    let signature = key.sign(scheme, MESSAGE).unwrap();
    verify_tls_signature(TlsVersion::Tls12, &leaf.cert, scheme, MESSAGE, &signature).unwrap();
    let err = verify_tls_signature(TlsVersion::Tls13, &leaf.cert, scheme, MESSAGE, &signature)
        .unwrap_err();
    assert!(matches!(err, PkiError::SchemeNotAllowed { .. }));
    assert_eq!(err.alert(), A::IllegalParameter);
}

#[test]
fn a_scheme_that_does_not_fit_the_key_is_illegal_parameter() {
    let (leaf, key) = leaf(KeyKind::EcdsaP256);
    let signature = key
        .sign(SignatureScheme::EcdsaSecp256r1Sha256, MESSAGE)
        .unwrap();
    let err = verify_tls_signature(
        TlsVersion::Tls13,
        &leaf.cert,
        SignatureScheme::Ed25519,
        MESSAGE,
        &signature,
    )
    .unwrap_err();
    assert_eq!(err.alert(), A::IllegalParameter);
    // In TLS 1.3 the ECDSA scheme binds the curve: a P-256 key cannot claim P-384.
    let err = verify_tls_signature(
        TlsVersion::Tls13,
        &leaf.cert,
        SignatureScheme::EcdsaSecp384r1Sha384,
        MESSAGE,
        &signature,
    )
    .unwrap_err();
    assert_eq!(err.alert(), A::IllegalParameter);
}

#[test]
fn unsupported_schemes_are_refused_by_name() {
    let (leaf, _) = leaf(KeyKind::Ed25519);
    for scheme in [
        SignatureScheme::Ed448,
        SignatureScheme::RsaPkcs1Sha1,
        SignatureScheme::Unknown(0xfe00),
    ] {
        let err = verify_tls_signature(TlsVersion::Tls12, &leaf.cert, scheme, MESSAGE, &[0; 64])
            .unwrap_err();
        assert_eq!(err.alert(), A::IllegalParameter, "{scheme}");
    }
}

#[test]
fn keys_choose_a_scheme_the_peer_offered_and_the_version_allows() {
    let (_, rsa) = leaf(KeyKind::Rsa2048);
    assert_eq!(rsa.key_type(), KeyType::Rsa(2048));
    let pkcs1_only = [SignatureScheme::RsaPkcs1Sha384];
    assert_eq!(
        rsa.choose_scheme(&pkcs1_only, TlsVersion::Tls12),
        Some(SignatureScheme::RsaPkcs1Sha384)
    );
    assert_eq!(rsa.choose_scheme(&pkcs1_only, TlsVersion::Tls13), None);
    let both = [
        SignatureScheme::RsaPkcs1Sha256,
        SignatureScheme::RsaPssRsaeSha512,
    ];
    assert_eq!(
        rsa.choose_scheme(&both, TlsVersion::Tls13),
        Some(SignatureScheme::RsaPssRsaeSha512)
    );

    let (_, p384) = leaf(KeyKind::EcdsaP384);
    assert_eq!(p384.key_type(), KeyType::EcdsaP384);
    assert_eq!(
        p384.choose_scheme(&[SignatureScheme::EcdsaSecp256r1Sha256], TlsVersion::Tls13),
        None
    );
    assert_eq!(
        p384.choose_scheme(SUPPORTED_SCHEMES, TlsVersion::Tls13),
        Some(SignatureScheme::EcdsaSecp384r1Sha384)
    );
}

#[test]
fn a_key_refuses_to_sign_with_a_scheme_of_another_key_type() {
    let (_, ed) = leaf(KeyKind::Ed25519);
    let err = ed
        .sign(SignatureScheme::RsaPssRsaeSha256, MESSAGE)
        .unwrap_err();
    assert_eq!(err.alert(), A::IllegalParameter);
}

#[test]
fn signing_keys_never_print_their_bytes() {
    let (_, key) = leaf(KeyKind::EcdsaP256);
    let debug = format!("{key:?}");
    assert_eq!(debug, "RingSigningKey { key_type: EcdsaP256, .. }");
}
