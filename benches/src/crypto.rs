//! The limits the cryptography sets, measured with ring directly (the provider under
//! strata and, here, under rustls):
//!
//! - the raw AEAD rate: `LessSafeKey::seal_in_place_separate_tag` and
//!   `open_in_place_separate_tag` on one 16 KiB buffer, no record layer around them;
//! - the primitive operations of one handshake, each timed alone, and their sum for a
//!   [`Setup`]: the handshake rate no implementation on ring can beat on this machine
//!   (see [`HandshakeFloor`] for what is counted).

use std::time::{Duration, Instant};

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey, X25519};
use ring::hkdf;
use ring::rand::SystemRandom;
use ring::signature::{
    self, EcdsaKeyPair, KeyPair, RsaKeyPair, ECDSA_P256_SHA256_ASN1,
    ECDSA_P256_SHA256_ASN1_SIGNING, RSA_PSS_2048_8192_SHA256, RSA_PSS_SHA256,
};

use crate::drive::RECORD;
use crate::measure::{medians, Settings};
use crate::setup::{Aead, Pki, ServerKey, Setup};

/// Runs `op` in a loop for `time` and returns the median microseconds per call.
fn per_op(settings: &Settings, mut op: impl FnMut() -> Result<(), String>) -> Result<f64, String> {
    let [us] = medians(settings.reps, || {
        let start = Instant::now();
        let mut count = 0u32;
        while count == 0 || start.elapsed() < settings.primitive_time {
            op()?;
            count += 1;
        }
        Ok([start.elapsed().as_secs_f64() * 1e6 / f64::from(count)])
    })?;
    Ok(us)
}

fn unspecified(what: &'static str) -> impl Fn(ring::error::Unspecified) -> String {
    move |_| format!("ring: {what} failed")
}

/// ring's AEAD rate on 16 KiB, in MB/s of plaintext.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AeadRate {
    /// Sealing in place (encrypt and tag).
    pub seal: f64,
    /// Opening in place (check the tag and decrypt).
    pub open: f64,
}

fn ring_aead(aead: Aead) -> &'static aead::Algorithm {
    match aead {
        Aead::Aes128Gcm => &aead::AES_128_GCM,
        Aead::Aes256Gcm => &aead::AES_256_GCM,
        Aead::Chacha20Poly1305 => &aead::CHACHA20_POLY1305,
    }
}

/// Measures ring's raw seal and open of one 16 KiB buffer (with a 5-byte AAD, as a TLS
/// 1.3 record has). Only the seal or open call is timed: opening needs the ciphertext
/// back each time, and sealing the plaintext again (same key and nonce) gives it, so each
/// timed open is followed by an untimed seal.
pub fn aead_rate(aead: Aead, settings: &Settings) -> Result<AeadRate, String> {
    let algorithm = ring_aead(aead);
    let key_bytes = vec![0x42; algorithm.key_len()];
    let key =
        LessSafeKey::new(UnboundKey::new(algorithm, &key_bytes).map_err(unspecified("AEAD key"))?);
    let nonce = || Nonce::assume_unique_for_key([7; aead::NONCE_LEN]);
    let aad = [0x17, 0x03, 0x03, 0x40, 0x11];
    let mut buf: Vec<u8> = (0..RECORD).map(|i| (i % 251) as u8).collect();
    let mb = RECORD as f64 / 1e6;

    let [seal] = medians(settings.reps, || {
        let start = Instant::now();
        let mut count = 0u32;
        while count == 0 || start.elapsed() < settings.bulk_time {
            let tag = key
                .seal_in_place_separate_tag(nonce(), Aad::from(aad), &mut buf)
                .map_err(unspecified("seal"))?;
            std::hint::black_box(tag.as_ref());
            count += 1;
        }
        Ok([mb * f64::from(count) / start.elapsed().as_secs_f64()])
    })?;

    let mut tag = key
        .seal_in_place_separate_tag(nonce(), Aad::from(aad), &mut buf)
        .map_err(unspecified("seal"))?;
    let [open] = medians(settings.reps, || {
        let start = Instant::now();
        let mut opening = Duration::ZERO;
        let mut count = 0u32;
        while count == 0 || start.elapsed() < settings.bulk_time {
            let t = Instant::now();
            key.open_in_place_separate_tag(nonce(), Aad::from(aad), tag, &mut buf, 0..)
                .map_err(unspecified("open"))?;
            opening += t.elapsed();
            tag = key
                .seal_in_place_separate_tag(nonce(), Aad::from(aad), &mut buf)
                .map_err(unspecified("seal"))?;
            count += 1;
        }
        Ok([mb * f64::from(count) / opening.as_secs_f64()])
    })?;
    Ok(AeadRate { seal, open })
}

/// The primitive operations of a handshake, each timed alone with ring, in microseconds
/// per operation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Primitives {
    /// X25519 for one side: generate a key pair, compute its public key, agree with the
    /// peer's public key.
    pub x25519: f64,
    /// ECDSA P-256 SHA-256 signature over a 130-byte message (a CertificateVerify's).
    pub ecdsa_sign: f64,
    /// Its verification.
    pub ecdsa_verify: f64,
    /// RSA-2048 PSS SHA-256 signature over the same message.
    pub rsa_sign: f64,
    /// Its verification.
    pub rsa_verify: f64,
    /// One HKDF-SHA256 expansion to 32 bytes (an HKDF-Expand-Label).
    pub hkdf_expand: f64,
    /// One HKDF-SHA256 extraction.
    pub hkdf_extract: f64,
}

/// HKDF operations one side of a TLS 1.3 handshake does: about 17 expansions (the
/// derived secrets, four traffic secrets, a key and an IV for each, the finished keys,
/// the exporter secret) and 3 extractions (early, handshake and master secrets).
pub const HKDF_EXPANDS_PER_SIDE: u32 = 17;
/// See [`HKDF_EXPANDS_PER_SIDE`].
pub const HKDF_EXTRACTS_PER_SIDE: u32 = 3;

/// Times each primitive of [`Primitives`] alone.
pub fn primitives(pki: &Pki, settings: &Settings) -> Result<Primitives, String> {
    let rng = SystemRandom::new();
    let message = [0x20u8; 130];

    let peer = EphemeralPrivateKey::generate(&X25519, &rng).map_err(unspecified("X25519"))?;
    let peer_public = peer.compute_public_key().map_err(unspecified("X25519"))?;
    let x25519 = per_op(settings, || {
        let private =
            EphemeralPrivateKey::generate(&X25519, &rng).map_err(unspecified("X25519"))?;
        let public = private
            .compute_public_key()
            .map_err(unspecified("X25519"))?;
        std::hint::black_box(public.as_ref());
        agreement::agree_ephemeral(
            private,
            &UnparsedPublicKey::new(&X25519, peer_public.as_ref()),
            |secret| std::hint::black_box(secret.len()),
        )
        .map_err(unspecified("X25519"))?;
        Ok(())
    })?;

    let ecdsa = EcdsaKeyPair::from_pkcs8(
        &ECDSA_P256_SHA256_ASN1_SIGNING,
        pki.server(ServerKey::EcdsaP256).key.secret_der(),
        &rng,
    )
    .map_err(|e| format!("ring ECDSA key: {e}"))?;
    let ecdsa_signature = ecdsa
        .sign(&rng, &message)
        .map_err(unspecified("ECDSA sign"))?;
    let ecdsa_sign = per_op(settings, || {
        let sig = ecdsa
            .sign(&rng, &message)
            .map_err(unspecified("ECDSA sign"))?;
        std::hint::black_box(sig.as_ref());
        Ok(())
    })?;
    let ecdsa_public = signature::UnparsedPublicKey::new(
        &ECDSA_P256_SHA256_ASN1,
        ecdsa.public_key().as_ref().to_vec(),
    );
    let ecdsa_verify = per_op(settings, || {
        ecdsa_public
            .verify(&message, ecdsa_signature.as_ref())
            .map_err(unspecified("ECDSA verify"))
    })?;

    let rsa = RsaKeyPair::from_pkcs8(pki.server(ServerKey::Rsa2048).key.secret_der())
        .map_err(|e| format!("ring RSA key: {e}"))?;
    let mut rsa_signature = vec![0; rsa.public().modulus_len()];
    let rsa_sign = per_op(settings, || {
        rsa.sign(&RSA_PSS_SHA256, &rng, &message, &mut rsa_signature)
            .map_err(unspecified("RSA sign"))
    })?;
    let rsa_public = signature::UnparsedPublicKey::new(
        &RSA_PSS_2048_8192_SHA256,
        rsa.public().as_ref().to_vec(),
    );
    let rsa_verify = per_op(settings, || {
        rsa_public
            .verify(&message, &rsa_signature)
            .map_err(unspecified("RSA verify"))
    })?;

    let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, &[0x33; 32]);
    let prk = salt.extract(&[0x44; 32]);
    let info = [
        b"\x00\x20\x0dtls13 c ap traffic\x20".as_slice(),
        &[0x55; 32],
    ];
    let hkdf_expand = per_op(settings, || {
        let mut out = [0u8; 32];
        prk.expand(&info, hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(&mut out))
            .map_err(unspecified("HKDF expand"))?;
        std::hint::black_box(out);
        Ok(())
    })?;
    let hkdf_extract = per_op(settings, || {
        std::hint::black_box(salt.extract(&[0x44; 32]));
        Ok(())
    })?;

    Ok(Primitives {
        x25519,
        ecdsa_sign,
        ecdsa_verify,
        rsa_sign,
        rsa_verify,
        hkdf_expand,
        hkdf_extract,
    })
}

/// One handshake's primitive operations, summed:
///
/// - key exchange: one X25519 key generation and agreement on each side (2 x `x25519`);
/// - the server's CertificateVerify (TLS 1.3) or ServerKeyExchange (TLS 1.2): one
///   signature with its key, one verification by the client;
/// - the server's chain: one more verification per certificate (here the leaf, signed by
///   the ECDSA P-256 CA), standing for webpki's path building;
/// - with client authentication: the same again for the client's ECDSA P-256 key and
///   certificate (one signature, two verifications);
/// - the key schedule: [`HKDF_EXPANDS_PER_SIDE`] expansions and
///   [`HKDF_EXTRACTS_PER_SIDE`] extractions on each side (TLS 1.2's PRF is counted the
///   same; its cost is of the same order and small beside the signatures).
///
/// Left out: transcript hashing, message encoding and parsing, certificate parsing, the
/// record protection of the handshake's encrypted messages, the randomness.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HandshakeFloor {
    /// The sum, in microseconds per handshake.
    pub us: f64,
}

impl HandshakeFloor {
    /// The sum for `setup`.
    pub fn new(p: &Primitives, setup: &Setup) -> Self {
        let (sign, verify) = match setup.key {
            ServerKey::EcdsaP256 => (p.ecdsa_sign, p.ecdsa_verify),
            ServerKey::Rsa2048 => (p.rsa_sign, p.rsa_verify),
        };
        let mut us = 2.0 * p.x25519 + sign + verify + p.ecdsa_verify;
        if setup.client_auth {
            us += p.ecdsa_sign + 2.0 * p.ecdsa_verify;
        }
        us += 2.0
            * (f64::from(HKDF_EXPANDS_PER_SIDE) * p.hkdf_expand
                + f64::from(HKDF_EXTRACTS_PER_SIDE) * p.hkdf_extract);
        Self { us }
    }

    /// The handshakes per second it allows.
    pub fn per_second(&self) -> f64 {
        1e6 / self.us
    }
}
