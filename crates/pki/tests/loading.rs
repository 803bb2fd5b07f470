//! Loading certificates, keys and CRLs: every key type in every encoding, and the errors
//! that name the file and what was wrong.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::sync::Arc;

use rustls_pki_types::PrivateKeyDer;
use strata_pki::{load, CertifiedKey, KeyType, PkiError, RingSigningKey, SigningKey, TrustAnchors};
use strata_testdata::pki::{KeyKind, TestCa};

fn key_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/keys")
        .join(name)
}

fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("strata-pki-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_key_type_loads_from_pkcs8_pem() {
    for (kind, expected) in [
        (KeyKind::EcdsaP256, KeyType::EcdsaP256),
        (KeyKind::EcdsaP384, KeyType::EcdsaP384),
        (KeyKind::Ed25519, KeyType::Ed25519),
        (KeyKind::Rsa2048, KeyType::Rsa(2048)),
        (KeyKind::Rsa3072, KeyType::Rsa(3072)),
        (KeyKind::Rsa4096, KeyType::Rsa(4096)),
    ] {
        let leaf = TestCa::root(KeyKind::EcdsaP256).server_leaf(kind, &["a.example"], |_| {});
        let der = load::private_key_from_bytes(leaf.key_pem().as_bytes()).unwrap();
        assert!(matches!(der, PrivateKeyDer::Pkcs8(_)));
        assert_eq!(RingSigningKey::new(&der).unwrap().key_type(), expected);
    }
}

#[test]
fn sec1_and_pkcs1_keys_load() {
    for (file, expected) in [
        ("ec-p256-sec1.pem", KeyType::EcdsaP256),
        ("ec-p384-sec1.pem", KeyType::EcdsaP384),
        ("ec-p256-pkcs8.pem", KeyType::EcdsaP256),
        ("rsa-2048-pkcs1.pem", KeyType::Rsa(2048)),
    ] {
        let der = load::private_key_from_file(key_file(file)).unwrap();
        let key = RingSigningKey::new(&der).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(key.key_type(), expected, "{file}");
    }
}

#[test]
fn a_pkcs8_der_key_loads() {
    let leaf =
        TestCa::root(KeyKind::EcdsaP256).server_leaf(KeyKind::Ed25519, &["a.example"], |_| {});
    let PrivateKeyDer::Pkcs8(pkcs8) = leaf.key_der() else {
        panic!()
    };
    let der = load::private_key_from_bytes(pkcs8.secret_pkcs8_der()).unwrap();
    assert_eq!(
        RingSigningKey::new(&der).unwrap().key_type(),
        KeyType::Ed25519
    );
}

#[test]
fn an_encrypted_key_is_named_as_such() {
    let err = load::private_key_from_file(key_file("rsa-2048-encrypted.pem")).unwrap_err();
    assert!(
        matches!(err, PkiError::EncryptedKey { ref source_name } if source_name.ends_with("rsa-2048-encrypted.pem"))
    );
    assert!(err.to_string().contains("encrypted"));
}

#[test]
fn unsupported_keys_say_what_they_are() {
    let ed448 = load::private_key_from_file(key_file("ed448.pem")).unwrap();
    assert!(matches!(
        RingSigningKey::new(&ed448),
        Err(PkiError::UnsupportedKey { .. })
    ));
    let small = load::private_key_from_file(key_file("rsa-1024.pem")).unwrap();
    let err = RingSigningKey::new(&small).unwrap_err();
    assert!(err.to_string().contains("smaller than 2048 bits"), "{err}");
}

#[test]
fn garbage_and_truncated_pem_are_refused_with_the_file_name() {
    let dir = temp_dir("garbage");
    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, "this is not a certificate\n").unwrap();
    let err = load::certs_from_file(&garbage).unwrap_err();
    assert!(matches!(err, PkiError::NoPemBlock { .. }));
    assert!(
        err.to_string().starts_with(&garbage.display().to_string()),
        "{err}"
    );

    let pem = TestCa::root(KeyKind::EcdsaP256).cert_pem();
    let truncated = dir.join("truncated.pem");
    std::fs::write(&truncated, &pem[..pem.len() / 2]).unwrap();
    let err = load::certs_from_file(&truncated).unwrap_err();
    assert!(matches!(err, PkiError::MalformedPem { .. }), "{err}");

    let key_garbage = load::private_key_from_bytes(
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap_err();
    assert!(
        matches!(key_garbage, PkiError::NoPemBlock { .. }),
        "{key_garbage}"
    );

    let bad_base64 =
        load::certs_from_bytes(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
            .unwrap_err();
    assert!(
        matches!(bad_base64, PkiError::MalformedPem { .. }),
        "{bad_base64}"
    );

    let missing = load::certs_from_file(dir.join("missing.pem")).unwrap_err();
    assert!(matches!(missing, PkiError::Io { .. }));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn chains_load_in_order_from_pem_and_der() {
    let root = TestCa::root(KeyKind::EcdsaP256);
    let inter = root.intermediate(KeyKind::EcdsaP256, |_| {});
    let leaf = inter.server_leaf(KeyKind::EcdsaP256, &["a.example"], |_| {});
    let chain = load::certs_from_bytes((leaf.cert_pem() + &inter.cert_pem()).as_bytes()).unwrap();
    assert_eq!(chain, vec![leaf.cert.clone(), inter.cert.clone()]);
    assert_eq!(
        load::certs_from_bytes(&leaf.cert).unwrap(),
        vec![leaf.cert.clone()]
    );
    let anchors = TrustAnchors::from_bytes(root.cert_pem().as_bytes()).unwrap();
    assert_eq!(anchors.len(), 1);
}

#[test]
fn crls_load_from_pem_and_der() {
    let root = TestCa::root(KeyKind::EcdsaP256);
    let der = root.crl(&[]);
    assert_eq!(load::crls_from_bytes(&der).unwrap(), vec![der.clone()]);
    let pem = root.crl_pem(&[]);
    assert_eq!(load::crls_from_bytes(pem.as_bytes()).unwrap().len(), 1);
}

#[test]
fn a_certified_key_checks_that_the_key_matches_the_certificate() {
    let dir = temp_dir("certified");
    let root = TestCa::root(KeyKind::EcdsaP256);
    let leaf = root.server_leaf(KeyKind::Rsa2048, &["a.example"], |_| {});
    let other = root.server_leaf(KeyKind::Rsa2048, &["a.example"], |_| {});
    std::fs::write(dir.join("cert.pem"), leaf.cert_pem()).unwrap();
    std::fs::write(dir.join("key.pem"), leaf.key_pem()).unwrap();
    let certified = CertifiedKey::from_files(dir.join("cert.pem"), dir.join("key.pem")).unwrap();
    assert_eq!(certified.end_entity(), Some(&leaf.cert));

    // rsa-2048.pem is the key of both leaves (the test RSA keys are fixed): use an ECDSA
    // key against an RSA certificate instead.
    let ec = Arc::new(
        RingSigningKey::new(&load::private_key_from_file(key_file("ec-p256-sec1.pem")).unwrap())
            .unwrap(),
    );
    let err = CertifiedKey::new(vec![other.cert.clone()], ec).unwrap_err();
    assert_eq!(err, PkiError::KeyMismatch);

    let p256 = root.server_leaf(KeyKind::EcdsaP256, &["a.example"], |_| {});
    let p256_other = root.server_leaf(KeyKind::EcdsaP256, &["a.example"], |_| {});
    let key = Arc::new(RingSigningKey::new(&p256_other.key_der()).unwrap());
    assert_eq!(
        CertifiedKey::new(vec![p256.cert.clone()], key).unwrap_err(),
        PkiError::KeyMismatch
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
