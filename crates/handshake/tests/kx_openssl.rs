//! Key exchange against the openssl binary: ring's ephemeral keys cannot be loaded with a
//! fixed private key, so instead of an RFC 7748 §6.1 known answer each group is checked by
//! having openssl compute the same shared secret from its side.
//!
//! For each group: `openssl genpkey` makes openssl's key, `openssl pkey -pubout -outform
//! DER` gives its SubjectPublicKeyInfo (whose last bytes are the raw public value strata
//! takes), strata agrees with that value, and `openssl pkeyutl -derive -inkey ...
//! -peerkey ... -peerform DER` derives from strata's public value wrapped in the same
//! SubjectPublicKeyInfo header. Both secrets must be equal.
//!
//! The `openssl` binary is a test dependency (.ci/run installs it): without it these
//! tests fail rather than skip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ring::rand::SystemRandom;
use strata_handshake::{EphemeralKeyPair, KeyExchangeGroup};

fn openssl_available() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "these tests need the openssl binary on the PATH");
    ok
}

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("strata-kx-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// openssl's `genpkey` arguments and the SubjectPublicKeyInfo header (RFC 8410 §4 for
/// X25519, RFC 5480 §2 for the NIST curves) that precedes the raw public value.
fn openssl_params(group: KeyExchangeGroup) -> (&'static [&'static str], &'static str) {
    match group {
        KeyExchangeGroup::X25519 => (&["-algorithm", "X25519"], "302a300506032b656e032100"),
        KeyExchangeGroup::Secp256r1 => (
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            "3059301306072a8648ce3d020106082a8648ce3d030107034200",
        ),
        KeyExchangeGroup::Secp384r1 => (
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            "3076301006072a8648ce3d020106052b81040022036200",
        ),
    }
}

fn cross_check(group: KeyExchangeGroup) {
    let dir = scratch_dir(&format!("{group:?}"));
    let (genpkey, header) = openssl_params(group);

    // openssl's key pair and raw public value.
    let mut args = vec!["genpkey"];
    args.extend_from_slice(genpkey);
    args.extend_from_slice(&["-out", "theirs.pem"]);
    openssl(&args, &dir);
    openssl(
        &[
            "pkey",
            "-in",
            "theirs.pem",
            "-pubout",
            "-outform",
            "DER",
            "-out",
            "theirs.der",
        ],
        &dir,
    );
    let spki = std::fs::read(dir.join("theirs.der")).unwrap();
    let (their_header, their_public) = spki.split_at(spki.len() - group.public_key_len());
    assert_eq!(hex::encode(their_header), header, "{group:?}");

    // strata's side.
    let ours = EphemeralKeyPair::generate(group, &SystemRandom::new()).unwrap();
    let mut our_spki = hex::decode(header).unwrap();
    our_spki.extend_from_slice(ours.public_key());
    std::fs::write(dir.join("ours.der"), &our_spki).unwrap();
    let strata_secret = ours.agree(their_public).unwrap();

    // openssl's side.
    openssl(
        &[
            "pkeyutl",
            "-derive",
            "-inkey",
            "theirs.pem",
            "-peerkey",
            "ours.der",
            "-peerform",
            "DER",
            "-out",
            "secret.bin",
        ],
        &dir,
    );
    let openssl_secret = std::fs::read(dir.join("secret.bin")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    assert_eq!(openssl_secret.len(), group.shared_secret_len(), "{group:?}");
    assert_eq!(
        hex::encode(strata_secret.as_bytes()),
        hex::encode(&openssl_secret),
        "{group:?}"
    );
}

#[test]
fn x25519_agrees_with_openssl() {
    if openssl_available() {
        cross_check(KeyExchangeGroup::X25519);
    }
}

#[test]
fn p256_agrees_with_openssl() {
    if openssl_available() {
        cross_check(KeyExchangeGroup::Secp256r1);
    }
}

#[test]
fn p384_agrees_with_openssl() {
    if openssl_available() {
        cross_check(KeyExchangeGroup::Secp384r1);
    }
}
