//! The limits the cryptography sets, measured with ring directly (the provider under
//! strata and, here, under rustls):
//!
//! - the raw AEAD rate: `LessSafeKey::seal_in_place_separate_tag` and
//!   `open_in_place_separate_tag` on one 16 KiB buffer, no record layer around them;
//! - the primitive operations of one handshake, each timed alone ([`primitives`]), and
//!   one handshake's worth of them run by themselves ([`floor_loop`]): the handshake rate
//!   no implementation on ring can beat on this machine.

use std::time::{Duration, Instant};

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey, X25519};
use ring::hkdf;
use ring::hmac;
use ring::rand::SystemRandom;
use ring::signature::{
    self, EcdsaKeyPair, KeyPair, RsaKeyPair, ECDSA_P256_SHA256_ASN1,
    ECDSA_P256_SHA256_ASN1_SIGNING, RSA_PSS_2048_8192_SHA256, RSA_PSS_SHA256,
};

use crate::drive::RECORD;
use crate::measure::{medians, Rep, Settings, Stopwatch};
use crate::setup::{Aead, Pki, ServerKey, Setup, Version};

/// Runs `op` in a loop for `time` and returns the median microseconds per call.
fn per_op(settings: &Settings, mut op: impl FnMut() -> Result<(), String>) -> Result<f64, String> {
    let [us] = medians(settings.reps, || {
        let watch = Stopwatch::start();
        let mut count = 0u32;
        while count == 0 || watch.wall() < settings.primitive_time {
            op()?;
            count += 1;
        }
        Ok([watch.lap().cpu * 1e6 / f64::from(count)])
    })?;
    Ok(us)
}

fn unspecified(what: &'static str) -> impl Fn(ring::error::Unspecified) -> String {
    move |_| format!("ring: {what} failed")
}

/// ring's AEAD rate on one record of a 16 KiB write, in MB/s of application data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AeadRate {
    /// Sealing in place (encrypt and tag).
    pub seal: f64,
    /// Opening in place (check the tag and decrypt).
    pub open: f64,
}

pub(crate) fn ring_aead(aead: Aead) -> &'static aead::Algorithm {
    match aead {
        Aead::Aes128Gcm => &aead::AES_128_GCM,
        Aead::Aes256Gcm => &aead::AES_256_GCM,
        Aead::Chacha20Poly1305 => &aead::CHACHA20_POLY1305,
    }
}

/// What one record carrying a 16 KiB write gives the AEAD under `version`: the bytes it
/// seals and the additional data. TLS 1.3 seals TLSInnerPlaintext, the data and its
/// content type byte, under the record header (RFC 8446 §5.2); TLS 1.2 seals the data
/// alone under seq_num, type, version and length (RFC 5246 §6.2.3.3). The byte matters:
/// it leaves AES-GCM a partial block, which costs ring about 3% of a 16 KiB seal here.
fn record_aead_input(version: Version) -> (usize, AeadAad) {
    let be = |n: usize| u16::try_from(n).unwrap_or(u16::MAX).to_be_bytes();
    match version {
        Version::Tls13 => {
            let sealed = RECORD + 1;
            // The header's length is the ciphertext's, the 16-byte tag included.
            let [hi, lo] = be(sealed + 16);
            let bytes = [0x17, 0x03, 0x03, hi, lo, 0, 0, 0, 0, 0, 0, 0, 0];
            (sealed, AeadAad { bytes, len: 5 })
        }
        Version::Tls12 => {
            // seq_num 0; the length is the plaintext's.
            let [hi, lo] = be(RECORD);
            let bytes = [0, 0, 0, 0, 0, 0, 0, 0, 0x17, 0x03, 0x03, hi, lo];
            (RECORD, AeadAad { bytes, len: 13 })
        }
    }
}

/// A record's additional data, held inline so that the timed loop does not allocate.
#[derive(Clone, Copy)]
struct AeadAad {
    bytes: [u8; 13],
    len: usize,
}

impl AeadAad {
    fn get(&self) -> Aad<&[u8]> {
        Aad::from(self.bytes.get(..self.len).unwrap_or_default())
    }
}

/// The loop of ring's raw seal and open of one record's AEAD input for a 16 KiB write
/// under `version` ([`record_aead_input`]), giving [seal MB/s, open MB/s] of the 16 KiB
/// of application data, each over `bulk_time`. Only the seal or open call is timed:
/// opening needs the ciphertext back each time, and sealing the plaintext again (same
/// key and nonce) gives it, so each timed open is followed by an untimed seal.
pub fn aead_loop(aead: Aead, version: Version, settings: &Settings) -> Result<Rep<2>, String> {
    let algorithm = ring_aead(aead);
    let key_bytes = vec![0x42; algorithm.key_len()];
    let key =
        LessSafeKey::new(UnboundKey::new(algorithm, &key_bytes).map_err(unspecified("AEAD key"))?);
    let nonce = || Nonce::assume_unique_for_key([7; aead::NONCE_LEN]);
    let (sealed, aad) = record_aead_input(version);
    let mut buf: Vec<u8> = (0..sealed).map(|i| (i % 251) as u8).collect();
    let mb = RECORD as f64 / 1e6;
    let time = settings.bulk_time;
    Ok(Box::new(move || {
        let watch = Stopwatch::start();
        let mut count = 0u32;
        while count == 0 || watch.wall() < time {
            let tag = key
                .seal_in_place_separate_tag(nonce(), aad.get(), &mut buf)
                .map_err(unspecified("seal"))?;
            std::hint::black_box(tag.as_ref());
            count += 1;
        }
        let seal = mb * f64::from(count) / watch.lap().cpu;

        let mut tag = key
            .seal_in_place_separate_tag(nonce(), aad.get(), &mut buf)
            .map_err(unspecified("seal"))?;
        let watch = Stopwatch::start();
        let mut opening = Duration::ZERO;
        let mut count = 0u32;
        while count == 0 || watch.wall() < time {
            let t = Instant::now();
            key.open_in_place_separate_tag(nonce(), aad.get(), tag, &mut buf, 0..)
                .map_err(unspecified("open"))?;
            opening += t.elapsed();
            tag = key
                .seal_in_place_separate_tag(nonce(), aad.get(), &mut buf)
                .map_err(unspecified("seal"))?;
            count += 1;
        }
        let open = mb * f64::from(count) / watch.lap().cpu_of(opening);
        Ok([seal, open])
    }))
}

/// [`aead_loop`] alone: the medians.
pub fn aead_rate(aead: Aead, version: Version, settings: &Settings) -> Result<AeadRate, String> {
    let [seal, open] = medians(settings.reps, aead_loop(aead, version, settings)?)?;
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
    /// One HMAC-SHA256 of 32 bytes (a Finished or a PSK binder).
    pub hmac: f64,
    /// A resumed TLS 1.3 server's ticket work without client authentication: open a
    /// ticket and seal a new one.
    pub ticket: f64,
    /// One side's TLS 1.2 PRF work in a handshake resumed by session ID.
    pub tls12_resumed_prf: f64,
    /// Copying 16 KiB from one buffer to another (what a record layer adds per copy).
    pub copy_16k: f64,
}

/// HKDF operations one side of a TLS 1.3 handshake does: about 17 expansions (the
/// derived secrets, four traffic secrets, a key and an IV for each, the finished keys,
/// the exporter secret) and 3 extractions (early, handshake and master secrets).
pub const HKDF_EXPANDS_PER_SIDE: u32 = 17;
/// See [`HKDF_EXPANDS_PER_SIDE`].
pub const HKDF_EXTRACTS_PER_SIDE: u32 = 3;

/// HKDF expansions one side of a resumed TLS 1.3 handshake (psk_dhe_ke) does: the binder
/// key and its finished key, the two derived secrets, the two handshake and two
/// application traffic secrets with a key and an IV each, the two finished keys, the
/// exporter and resumption master secrets, and the PSK of the one new ticket
/// (Expand-Label of the resumption secret with its nonce). The extractions are the same
/// three as in a full handshake (the early secret now from the PSK).
pub const HKDF_EXPANDS_RESUMED_PER_SIDE: u32 = 21;
/// HMAC-SHA256 operations one side of a resumed TLS 1.3 handshake does: the PSK binder and
/// the two Finished messages (computed by one side, checked by the other).
pub const HMACS_RESUMED_PER_SIDE: u32 = 3;

/// The size of a ticket's plaintext, as strata encodes a session's state (format,
/// version, suite, group, the 32-byte PSK, times, flags, the server name), without a
/// client certificate; with client authentication the client's chain is added to it.
pub const TICKET_STATE_LEN: usize = 77;

/// The length of a TLS 1.2 AES-128-GCM key block: two 16-byte keys and two 4-byte IVs.
const TLS12_KEY_BLOCK_LEN: usize = 40;

/// TLS 1.2's PRF with SHA-256 (RFC 5246 §5): P_SHA256(secret, label || seed) into `out`.
fn prf_sha256(secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut a = {
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(label);
        ctx.update(seed);
        ctx.sign()
    };
    for chunk in out.chunks_mut(32) {
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(a.as_ref());
        ctx.update(label);
        ctx.update(seed);
        let block = ctx.sign();
        let n = chunk.len();
        if let Some(src) = block.as_ref().get(..n) {
            chunk.copy_from_slice(src);
        }
        if n == 32 {
            a = hmac::sign(&key, a.as_ref());
        }
    }
}

/// The keys and inputs of the primitive operations, made once.
struct Kit {
    rng: SystemRandom,
    message: [u8; 130],
    peer_public: Vec<u8>,
    ecdsa: EcdsaKeyPair,
    ecdsa_public: signature::UnparsedPublicKey<Vec<u8>>,
    ecdsa_signature: Vec<u8>,
    client: EcdsaKeyPair,
    rsa: RsaKeyPair,
    rsa_public: signature::UnparsedPublicKey<Vec<u8>>,
    rsa_signature: Vec<u8>,
    salt: hkdf::Salt,
    prk: hkdf::Prk,
    hmac: hmac::Key,
    ticket_key: LessSafeKey,
    ticket_state: Vec<u8>,
    ticket_state_with_client: Vec<u8>,
    sealed: Vec<u8>,
    sealed_with_client: Vec<u8>,
}

const TICKET_AAD: [u8; 4] = [1, 2, 3, 4];

fn ticket_nonce() -> Nonce {
    Nonce::assume_unique_for_key([3; aead::NONCE_LEN])
}

impl Kit {
    fn new(pki: &Pki) -> Result<Self, String> {
        let rng = SystemRandom::new();
        let message = [0x20u8; 130];
        let peer = EphemeralPrivateKey::generate(&X25519, &rng).map_err(unspecified("X25519"))?;
        let peer_public = peer
            .compute_public_key()
            .map_err(unspecified("X25519"))?
            .as_ref()
            .to_vec();
        let ecdsa_key = |der: &[u8]| {
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, der, &rng)
                .map_err(|e| format!("ring ECDSA key: {e}"))
        };
        let ecdsa = ecdsa_key(pki.server(ServerKey::EcdsaP256).key.secret_der())?;
        let client = ecdsa_key(pki.client.key.secret_der())?;
        let ecdsa_signature = ecdsa
            .sign(&rng, &message)
            .map_err(unspecified("ECDSA sign"))?
            .as_ref()
            .to_vec();
        let ecdsa_public = signature::UnparsedPublicKey::new(
            &ECDSA_P256_SHA256_ASN1,
            ecdsa.public_key().as_ref().to_vec(),
        );
        let rsa = RsaKeyPair::from_pkcs8(pki.server(ServerKey::Rsa2048).key.secret_der())
            .map_err(|e| format!("ring RSA key: {e}"))?;
        let mut rsa_signature = vec![0; rsa.public().modulus_len()];
        rsa.sign(&RSA_PSS_SHA256, &rng, &message, &mut rsa_signature)
            .map_err(unspecified("RSA sign"))?;
        let rsa_public = signature::UnparsedPublicKey::new(
            &RSA_PSS_2048_8192_SHA256,
            rsa.public().as_ref().to_vec(),
        );
        let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, &[0x33; 32]);
        let prk = salt.extract(&[0x44; 32]);
        let ticket_key = LessSafeKey::new(
            UnboundKey::new(&aead::CHACHA20_POLY1305, &[0x66; 32])
                .map_err(unspecified("ticket key"))?,
        );
        let client_chain: usize = pki.client.chain.iter().map(|c| 3 + c.len()).sum();
        let seal = |len: usize| -> Result<(Vec<u8>, Vec<u8>), String> {
            let state = vec![0x88; len];
            let mut sealed = state.clone();
            ticket_key
                .seal_in_place_append_tag(ticket_nonce(), Aad::from(TICKET_AAD), &mut sealed)
                .map_err(unspecified("ticket seal"))?;
            Ok((state, sealed))
        };
        let (ticket_state, sealed) = seal(TICKET_STATE_LEN)?;
        let (ticket_state_with_client, sealed_with_client) = seal(TICKET_STATE_LEN + client_chain)?;
        Ok(Self {
            rng,
            message,
            peer_public,
            ecdsa,
            ecdsa_public,
            ecdsa_signature,
            client,
            rsa,
            rsa_public,
            rsa_signature,
            salt,
            prk,
            hmac: hmac::Key::new(hmac::HMAC_SHA256, &[0x77; 32]),
            ticket_key,
            ticket_state,
            ticket_state_with_client,
            sealed,
            sealed_with_client,
        })
    }

    fn x25519(&self) -> Result<(), String> {
        let private =
            EphemeralPrivateKey::generate(&X25519, &self.rng).map_err(unspecified("X25519"))?;
        let public = private
            .compute_public_key()
            .map_err(unspecified("X25519"))?;
        std::hint::black_box(public.as_ref());
        agreement::agree_ephemeral(
            private,
            &UnparsedPublicKey::new(&X25519, &self.peer_public),
            |secret| std::hint::black_box(secret.len()),
        )
        .map_err(unspecified("X25519"))?;
        Ok(())
    }

    fn ecdsa_sign(&self, key: &EcdsaKeyPair) -> Result<(), String> {
        let sig = key
            .sign(&self.rng, &self.message)
            .map_err(unspecified("ECDSA sign"))?;
        std::hint::black_box(sig.as_ref());
        Ok(())
    }

    fn ecdsa_verify(&self) -> Result<(), String> {
        self.ecdsa_public
            .verify(&self.message, &self.ecdsa_signature)
            .map_err(unspecified("ECDSA verify"))
    }

    fn rsa_sign(&self) -> Result<(), String> {
        let mut sig = [0u8; 256];
        let sig = sig
            .get_mut(..self.rsa.public().modulus_len())
            .ok_or("RSA modulus over 2048 bits")?;
        self.rsa
            .sign(&RSA_PSS_SHA256, &self.rng, &self.message, sig)
            .map_err(unspecified("RSA sign"))?;
        std::hint::black_box(sig);
        Ok(())
    }

    fn rsa_verify(&self) -> Result<(), String> {
        self.rsa_public
            .verify(&self.message, &self.rsa_signature)
            .map_err(unspecified("RSA verify"))
    }

    /// The server key's signature, or its verification.
    fn server_sign(&self, key: ServerKey) -> Result<(), String> {
        match key {
            ServerKey::EcdsaP256 => self.ecdsa_sign(&self.ecdsa),
            ServerKey::Rsa2048 => self.rsa_sign(),
        }
    }

    fn server_verify(&self, key: ServerKey) -> Result<(), String> {
        match key {
            ServerKey::EcdsaP256 => self.ecdsa_verify(),
            ServerKey::Rsa2048 => self.rsa_verify(),
        }
    }

    fn hkdf_expand(&self) -> Result<(), String> {
        let info = [
            b"\x00\x20\x0dtls13 c ap traffic\x20".as_slice(),
            &[0x55; 32],
        ];
        let mut out = [0u8; 32];
        self.prk
            .expand(&info, hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(&mut out))
            .map_err(unspecified("HKDF expand"))?;
        std::hint::black_box(out);
        Ok(())
    }

    fn hkdf_extract(&self) {
        std::hint::black_box(self.salt.extract(&[0x44; 32]));
    }

    /// One side's key schedule.
    fn key_schedule(&self) -> Result<(), String> {
        for _ in 0..HKDF_EXPANDS_PER_SIDE {
            self.hkdf_expand()?;
        }
        for _ in 0..HKDF_EXTRACTS_PER_SIDE {
            self.hkdf_extract();
        }
        Ok(())
    }

    fn hmac_sha256(&self) {
        std::hint::black_box(hmac::sign(&self.hmac, &[0x99; 32]));
    }

    /// One side's key schedule in a resumed TLS 1.3 handshake.
    fn resumed_key_schedule(&self) -> Result<(), String> {
        for _ in 0..HKDF_EXPANDS_RESUMED_PER_SIDE {
            self.hkdf_expand()?;
        }
        for _ in 0..HKDF_EXTRACTS_PER_SIDE {
            self.hkdf_extract();
        }
        for _ in 0..HMACS_RESUMED_PER_SIDE {
            self.hmac_sha256();
        }
        Ok(())
    }

    /// The server's ticket work in a resumed TLS 1.3 handshake: open the ticket offered,
    /// seal the new one (ChaCha20-Poly1305, as strata's tickets; the state as strata
    /// encodes it, with the client's chain under client authentication).
    fn ticket_open_and_seal(&self, client_auth: bool) -> Result<(), String> {
        let (state, sealed) = if client_auth {
            (&self.ticket_state_with_client, &self.sealed_with_client)
        } else {
            (&self.ticket_state, &self.sealed)
        };
        let mut ticket = sealed.clone();
        let opened = self
            .ticket_key
            .open_in_place(ticket_nonce(), Aad::from(TICKET_AAD), &mut ticket)
            .map_err(unspecified("ticket open"))?;
        std::hint::black_box(opened);
        let mut fresh = state.clone();
        self.ticket_key
            .seal_in_place_append_tag(ticket_nonce(), Aad::from(TICKET_AAD), &mut fresh)
            .map_err(unspecified("ticket seal"))?;
        std::hint::black_box(fresh);
        Ok(())
    }

    /// One side's PRF work in a TLS 1.2 handshake resumed by session ID: the key block
    /// from the session's master secret, and both Finished messages' verify_data.
    fn tls12_resumed_prf(&self) {
        let master = [0xabu8; 48];
        let seed = [0xcdu8; 64];
        let mut key_block = [0u8; TLS12_KEY_BLOCK_LEN];
        prf_sha256(&master, b"key expansion", &seed, &mut key_block);
        std::hint::black_box(&key_block);
        for label in [&b"client finished"[..], b"server finished"] {
            let mut verify_data = [0u8; 12];
            prf_sha256(&master, label, &seed[..32], &mut verify_data);
            std::hint::black_box(&verify_data);
        }
    }

    /// The client's primitive operations in a handshake of `setup` (see [`floor_loop`]).
    fn client_side(&self, setup: &Setup) -> Result<(), String> {
        if setup.resumed {
            return match setup.version {
                Version::Tls13 => {
                    self.x25519()?;
                    self.resumed_key_schedule()
                }
                Version::Tls12 => {
                    self.tls12_resumed_prf();
                    Ok(())
                }
            };
        }
        self.x25519()?;
        self.server_verify(setup.key)?;
        self.ecdsa_verify()?;
        if setup.client_auth {
            self.ecdsa_sign(&self.client)?;
        }
        self.key_schedule()
    }

    /// The server's.
    fn server_side(&self, setup: &Setup) -> Result<(), String> {
        if setup.resumed {
            return match setup.version {
                Version::Tls13 => {
                    self.x25519()?;
                    self.resumed_key_schedule()?;
                    self.ticket_open_and_seal(setup.client_auth)
                }
                Version::Tls12 => {
                    self.tls12_resumed_prf();
                    Ok(())
                }
            };
        }
        self.x25519()?;
        self.server_sign(setup.key)?;
        if setup.client_auth {
            self.ecdsa_verify()?;
            self.ecdsa_verify()?;
        }
        self.key_schedule()
    }
}

/// One handshake's primitive operations for `setup` (as [`floor_loop`] runs them), once
/// per call, with no clock read: for a caller that takes turns with the stacks one
/// handshake at a time (`examples/floor_share.rs`).
pub fn floor_once(pki: &Pki, setup: &Setup) -> Result<impl FnMut() -> Result<(), String>, String> {
    let kit = Kit::new(pki)?;
    let setup = *setup;
    Ok(move || {
        kit.client_side(&setup)?;
        kit.server_side(&setup)
    })
}

/// Times each primitive of [`Primitives`] alone.
pub fn primitives(pki: &Pki, settings: &Settings) -> Result<Primitives, String> {
    let kit = Kit::new(pki)?;
    let from = vec![0x5au8; RECORD];
    let mut to = vec![0u8; RECORD];
    Ok(Primitives {
        x25519: per_op(settings, || kit.x25519())?,
        ecdsa_sign: per_op(settings, || kit.ecdsa_sign(&kit.ecdsa))?,
        ecdsa_verify: per_op(settings, || kit.ecdsa_verify())?,
        rsa_sign: per_op(settings, || kit.rsa_sign())?,
        rsa_verify: per_op(settings, || kit.rsa_verify())?,
        hkdf_expand: per_op(settings, || kit.hkdf_expand())?,
        hkdf_extract: per_op(settings, || {
            kit.hkdf_extract();
            Ok(())
        })?,
        hmac: per_op(settings, || {
            kit.hmac_sha256();
            Ok(())
        })?,
        ticket: per_op(settings, || kit.ticket_open_and_seal(false))?,
        tls12_resumed_prf: per_op(settings, || {
            kit.tls12_resumed_prf();
            Ok(())
        })?,
        copy_16k: per_op(settings, || {
            std::hint::black_box(&mut to).copy_from_slice(std::hint::black_box(&from));
            Ok(())
        })?,
    })
}

/// The crypto floor of a handshake of `setup`: one handshake's primitive operations, run
/// in a loop by themselves for `handshake_time`, giving [handshakes per second, client
/// µs, server µs] like a stack's handshake loop (and interleaved with them). Per
/// handshake:
///
/// - client: X25519 (key pair, public key, agreement); verify the server's signature
///   (CertificateVerify in TLS 1.3, ServerKeyExchange in TLS 1.2); one more ECDSA P-256
///   verification for the server's certificate (its chain is the leaf, signed by the
///   ECDSA P-256 CA: one signature per certificate stands for webpki's path building);
///   with client authentication, an ECDSA P-256 signature; the key schedule;
/// - server: X25519; sign with its key; with client authentication, verify the client's
///   signature and its certificate's (two ECDSA P-256 verifications); the key schedule;
/// - the key schedule, each side: [`HKDF_EXPANDS_PER_SIDE`] HKDF expansions and
///   [`HKDF_EXTRACTS_PER_SIDE`] extractions (TLS 1.2's PRF is counted the same; either
///   is small beside the signatures).
///
/// A resumed handshake (`setup.resumed`) has no signatures and no certificates:
///
/// - TLS 1.3 (psk_dhe_ke), each side: X25519 and the resumed key schedule
///   ([`HKDF_EXPANDS_RESUMED_PER_SIDE`] expansions, [`HKDF_EXTRACTS_PER_SIDE`]
///   extractions, [`HMACS_RESUMED_PER_SIDE`] HMACs); the server also opens the ticket
///   and seals the new one (ChaCha20-Poly1305 over [`TICKET_STATE_LEN`] bytes, plus the
///   client's chain under client authentication);
/// - TLS 1.2 (by session ID), each side: the PRF (HMAC-SHA256) of the key block and of
///   both Finished messages, from the session's master secret.
///
/// Left out: transcript hashing, message encoding and parsing, certificate parsing, the
/// record protection of the handshake's encrypted messages (and the server's session
/// cache lookup).
pub fn floor_loop(pki: &Pki, setup: &Setup, settings: &Settings) -> Result<Rep<3>, String> {
    let kit = Kit::new(pki)?;
    let setup = *setup;
    let time = settings.handshake_time;
    Ok(Box::new(move || {
        let watch = Stopwatch::start();
        let (mut client, mut server) = (Duration::ZERO, Duration::ZERO);
        let mut count = 0u32;
        while count == 0 || watch.wall() < time {
            let t = Instant::now();
            kit.client_side(&setup)?;
            let u = Instant::now();
            kit.server_side(&setup)?;
            client += u - t;
            server += u.elapsed();
            count += 1;
        }
        let lap = watch.lap();
        let n = f64::from(count);
        Ok([
            n / lap.cpu,
            lap.cpu_of(client) * 1e6 / n,
            lap.cpu_of(server) * 1e6 / n,
        ])
    }))
}

#[cfg(test)]
mod tests {
    use strata_record::{AeadAlgorithm, ContentType, Sealer};

    use super::*;

    #[test]
    fn ring_raw_seals_what_a_strata_record_of_a_16_kib_write_seals() {
        // The yardstick must give the AEAD the bytes and additional data the record layer
        // gives it; here both are read back from a record strata really sealed.
        let key = [0x11; 16];
        let data = vec![0x5a; RECORD];
        let seal = |mut sealer: Sealer| {
            let mut record = Vec::new();
            sealer
                .seal(ContentType::ApplicationData, &data, &mut record)
                .unwrap();
            record
        };

        let record = seal(Sealer::for_tls13(AeadAlgorithm::Aes128Gcm, &key, &[0x22; 12]).unwrap());
        let (sealed, aad) = record_aead_input(Version::Tls13);
        assert_eq!(
            sealed,
            record.len() - 5 - 16,
            "the data and its content type"
        );
        assert_eq!(
            aad.bytes.get(..aad.len),
            record.get(..5),
            "the record header"
        );

        let record = seal(Sealer::for_tls12(AeadAlgorithm::Aes128Gcm, &key, &[0x22; 4]).unwrap());
        let (sealed, aad) = record_aead_input(Version::Tls12);
        assert_eq!(sealed, record.len() - 5 - 8 - 16, "the data alone");
        // seq_num 0, then the header's type and version, then the plaintext's length.
        let header = record.get(..3).unwrap();
        let length = u16::try_from(sealed).unwrap().to_be_bytes();
        let want: Vec<u8> = [0; 8]
            .iter()
            .chain(header)
            .chain(&length)
            .copied()
            .collect();
        assert_eq!(aad.bytes.get(..aad.len), Some(want.as_slice()));
    }
}
