//! The TLS 1.2 key schedule: the PRF (RFC 5246 §5), the master secret (RFC 5246 §8.1)
//! and the extended master secret (RFC 7627 §4), the key block (RFC 5246 §6.3),
//! Finished verify_data (RFC 5246 §7.4.9) and keying material exporters (RFC 5705 §4).
//!
//! Only the AEAD suites strata implements are covered: their key block holds no MAC keys
//! (`mac_key_length` is 0, RFC 5288 §3, RFC 7905 §2), only the write keys and the fixed
//! IVs.
//!
//! The PRF is HMAC and nothing else: a handful of HMACs over short inputs under one key,
//! on [`HmacKey`] (ring's HMAC, or the `hmac` crate's where the CPU has SHA-256
//! instructions: see its module for why).

use strata_record::AeadAlgorithm;
use zeroize::Zeroizing;

use super::{HashAlgorithm, HmacKey, Secret, TrafficKeys, MAX_IV_LEN, MAX_KEY_LEN};
use crate::HandshakeError;

/// The length of a TLS 1.2 master secret (RFC 5246 §8.1).
pub const MASTER_SECRET_LEN: usize = 48;

/// The length of Finished verify_data for every strata suite (RFC 5246 §7.4.9:
/// `verify_data_length` is 12 unless the suite says otherwise, and none of ours does).
pub const VERIFY_DATA_LEN: usize = 12;

/// `PRF(secret, label, seed)` of RFC 5246 §5, written to fill `out`: `P_hash(secret,
/// label + seed)` with HMAC over `hash`. The seed is given in parts that are hashed as if
/// they were concatenated, so callers need not build it.
///
/// ```text
/// P_hash(secret, seed) = HMAC_hash(secret, A(1) + seed) +
///                        HMAC_hash(secret, A(2) + seed) + ...
/// A(0) = seed, A(i) = HMAC_hash(secret, A(i-1))
/// ```
///
/// Several outputs from one secret (the key block and both Finished messages from the
/// master secret) are cheaper through [`MasterSecret`], which keys HMAC once.
pub fn prf(hash: HashAlgorithm, secret: &[u8], label: &[u8], seed: &[&[u8]], out: &mut [u8]) {
    p_hash(&HmacKey::new(hash, secret), label, seed, out);
}

/// `P_hash(secret, label + seed)` (RFC 5246 §5) with HMAC already keyed by `secret`:
/// every HMAC of the PRF uses the same key, so its set-up (hashing the key padded with
/// ipad and with opad) is done once by the caller.
fn p_hash(key: &HmacKey, label: &[u8], seed: &[&[u8]], out: &mut [u8]) {
    let hmac = |a: Option<&Secret>| {
        let a = a.map(Secret::as_bytes).into_iter();
        key.sign(a.chain([label]).chain(seed.iter().copied()))
    };
    // A(1) = HMAC(secret, label + seed).
    let mut a = hmac(None);
    let mut chunks = out.chunks_mut(a.len()).peekable();
    while let Some(chunk) = chunks.next() {
        let block = hmac(Some(&a));
        // `chunk` is at most one hash output long; `zip` copies exactly its length.
        for (dst, src) in chunk.iter_mut().zip(block.as_bytes()) {
            *dst = *src;
        }
        // A(i+1) = HMAC(secret, A(i)), only if another block follows (for a 12-byte
        // verify_data it never does).
        if chunks.peek().is_some() {
            a = key.sign([a.as_bytes()]);
        }
    }
}

/// A TLS 1.2 master secret with HMAC keyed by it, for the PRF outputs a handshake takes
/// from it: the key block (RFC 5246 §6.3), both Finished messages' verify_data (§7.4.9)
/// and exporters (RFC 5705 §4). Each is `PRF(master_secret, ...)`, so each HMAC of each
/// is keyed with the same secret (RFC 5246 §5); keying once here saves, per output after
/// the first, the two hash compressions of the padded key (RFC 2104 §2).
///
/// The secret's bytes are wiped on drop ([`Secret`]); the keyed HMAC state (two hash
/// states, as good as the secret to an attacker) has no such wipe in ring or in the
/// `hmac` crate, so the machines hold a
/// `MasterSecret` only while the handshake runs and keep the bare [`Secret`] after.
#[derive(Clone)]
pub struct MasterSecret {
    hash: HashAlgorithm,
    secret: Secret,
    key: HmacKey,
}

impl MasterSecret {
    /// `secret` (48 bytes from [`master_secret`] or [`extended_master_secret`], or a
    /// resumed session's), keyed for the PRF over `hash`.
    pub fn new(hash: HashAlgorithm, secret: Secret) -> Self {
        let key = HmacKey::new(hash, secret.as_bytes());
        Self { hash, secret, key }
    }

    /// The PRF's hash (the cipher suite's, RFC 5246 §5).
    pub fn hash(&self) -> HashAlgorithm {
        self.hash
    }

    /// The master secret itself: for a key log, a session to resume, or exporters.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The master secret itself, dropping the keyed HMAC.
    pub fn into_secret(self) -> Secret {
        self.secret
    }

    /// `PRF(master_secret, label, seed)` filling `out` (RFC 5246 §5), the seed given in
    /// parts as for [`prf`].
    pub fn prf(&self, label: &[u8], seed: &[&[u8]], out: &mut [u8]) {
        p_hash(&self.key, label, seed, out);
    }

    /// The key block of the AEAD suite `aead` (RFC 5246 §6.3); see [`key_block`].
    ///
    /// Fails only with [`HandshakeError::Internal`], should an AEAD's lengths not fit.
    pub fn key_block(
        &self,
        aead: AeadAlgorithm,
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> Result<KeyBlock, HandshakeError> {
        const TOO_LONG: HandshakeError = HandshakeError::Internal("AEAD key or IV too long");
        let key_len = aead.key_len();
        let iv_len = aead.tls12_fixed_iv_len();
        let mut block = Zeroizing::new([0u8; 2 * (MAX_KEY_LEN + MAX_IV_LEN)]);
        let block = block.get_mut(..2 * (key_len + iv_len)).ok_or(TOO_LONG)?;
        self.prf(b"key expansion", &[server_random, client_random], block);
        let (client_key, rest) = block.split_at_checked(key_len).ok_or(TOO_LONG)?;
        let (server_key, rest) = rest.split_at_checked(key_len).ok_or(TOO_LONG)?;
        let (client_iv, server_iv) = rest.split_at_checked(iv_len).ok_or(TOO_LONG)?;
        Ok(KeyBlock {
            client_write: TrafficKeys::new(aead, client_key, client_iv).ok_or(TOO_LONG)?,
            server_write: TrafficKeys::new(aead, server_key, server_iv).ok_or(TOO_LONG)?,
        })
    }

    /// `sender`'s Finished verify_data over `handshake_hash` (RFC 5246 §7.4.9); see
    /// [`verify_data`].
    pub fn verify_data(&self, sender: Sender, handshake_hash: &[u8]) -> [u8; VERIFY_DATA_LEN] {
        let mut out = [0u8; VERIFY_DATA_LEN];
        self.prf(sender.finished_label(), &[handshake_hash], &mut out);
        out
    }
}

impl core::fmt::Debug for MasterSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MasterSecret")
            .field("hash", &self.hash)
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

/// The master secret of RFC 5246 §8.1:
/// `PRF(pre_master_secret, "master secret", ClientHello.random + ServerHello.random)[0..47]`.
pub fn master_secret(
    hash: HashAlgorithm,
    pre_master_secret: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Secret {
    Secret::filled(MASTER_SECRET_LEN, |out| {
        prf(
            hash,
            pre_master_secret,
            b"master secret",
            &[client_random, server_random],
            out,
        );
    })
}

/// The extended master secret of RFC 7627 §4:
/// `PRF(pre_master_secret, "extended master secret", session_hash)[0..47]`, where
/// `session_hash` is the transcript hash up to and including ClientKeyExchange.
pub fn extended_master_secret(
    hash: HashAlgorithm,
    pre_master_secret: &[u8],
    session_hash: &[u8],
) -> Secret {
    Secret::filled(MASTER_SECRET_LEN, |out| {
        prf(
            hash,
            pre_master_secret,
            b"extended master secret",
            &[session_hash],
            out,
        );
    })
}

/// The record keys of both directions, cut from the key block (RFC 5246 §6.3).
#[derive(Clone, Debug)]
pub struct KeyBlock {
    /// `client_write_key` and `client_write_IV`: what the client seals with.
    pub client_write: TrafficKeys,
    /// `server_write_key` and `server_write_IV`: what the server seals with.
    pub server_write: TrafficKeys,
}

/// The key block of RFC 5246 §6.3 for an AEAD suite:
/// `PRF(master_secret, "key expansion", server_random + client_random)`, split into
/// `client_write_key`, `server_write_key`, `client_write_IV`, `server_write_IV` (no MAC
/// keys). Each IV is the fixed IV of [`AeadAlgorithm::tls12_fixed_iv_len`] bytes (RFC 5288
/// §3: 4 for AES-GCM; RFC 7905 §2: 12 for ChaCha20-Poly1305).
///
/// Fails only with [`HandshakeError::Internal`], should an AEAD's lengths not fit.
pub fn key_block(
    aead: AeadAlgorithm,
    hash: HashAlgorithm,
    master_secret: &Secret,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Result<KeyBlock, HandshakeError> {
    MasterSecret::new(hash, master_secret.clone()).key_block(aead, client_random, server_random)
}

/// Which side sends a Finished message (RFC 5246 §7.4.9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sender {
    /// The client: label "client finished".
    Client,
    /// The server: label "server finished".
    Server,
}

impl Sender {
    /// The PRF label of this side's Finished (RFC 5246 §7.4.9, `finished_label`).
    pub const fn finished_label(self) -> &'static [u8] {
        match self {
            Self::Client => b"client finished",
            Self::Server => b"server finished",
        }
    }
}

/// Finished verify_data of RFC 5246 §7.4.9:
/// `PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]`, where
/// `handshake_hash` is that transcript hash. Compare a received value with
/// [`Secret::ct_eq`] or another constant-time comparison.
pub fn verify_data(
    hash: HashAlgorithm,
    master_secret: &Secret,
    sender: Sender,
    handshake_hash: &[u8],
) -> [u8; VERIFY_DATA_LEN] {
    MasterSecret::new(hash, master_secret.clone()).verify_data(sender, handshake_hash)
}

/// Keying material exporter of RFC 5705 §4, filling `out`:
///
/// ```text
/// PRF(master_secret, label, client_random + server_random
///                           [+ context_value_length + context_value])
/// ```
///
/// where `context_value_length` is a big-endian uint16. `None` (no context) and
/// `Some(&[])` (an empty context) give different outputs, as the RFC requires.
///
/// RFC 5705 §4 reserves the labels the TLS 1.2 key schedule itself uses ("client
/// finished", "server finished", "master secret", "key expansion", and RFC 7627's
/// "extended master secret"), and asks that other labels be registered with IANA or
/// begin with "EXPERIMENTAL". This function does not check the label: the application
/// chooses it, and must not pass a reserved one.
///
/// Fails with [`HandshakeError::Internal`] when the context is longer than 65535 bytes.
pub fn export_keying_material(
    hash: HashAlgorithm,
    master_secret: &Secret,
    label: &[u8],
    context: Option<&[u8]>,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    out: &mut [u8],
) -> Result<(), HandshakeError> {
    match context {
        None => prf(
            hash,
            master_secret.as_bytes(),
            label,
            &[client_random, server_random],
            out,
        ),
        Some(context) => {
            let len = u16::try_from(context.len()).map_err(|_| {
                HandshakeError::Internal("exporter context longer than 65535 bytes")
            })?;
            prf(
                hash,
                master_secret.as_bytes(),
                label,
                &[client_random, server_random, &len.to_be_bytes(), context],
                out,
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key block's parts in the PRF output's order (RFC 5246 §6.3): client and server
    /// write keys, then their IVs.
    fn key_block_bytes(kb: &KeyBlock) -> Vec<u8> {
        [
            kb.client_write.key(),
            kb.server_write.key(),
            kb.client_write.iv(),
            kb.server_write.iv(),
        ]
        .concat()
    }

    /// The PRF computed the slow, obvious way: concatenate, HMAC block by block, with
    /// ring's HMAC whatever the CPU.
    fn naive_prf(hash: HashAlgorithm, secret: &[u8], label_seed: &[u8], len: usize) -> Vec<u8> {
        let key = ring::hmac::Key::new(hash.hmac_algorithm(), secret);
        let mut out = Vec::new();
        let mut a = label_seed.to_vec();
        while out.len() < len {
            a = ring::hmac::sign(&key, &a).as_ref().to_vec();
            let block = ring::hmac::sign(&key, &[&a[..], label_seed].concat());
            out.extend_from_slice(block.as_ref());
        }
        out.truncate(len);
        out
    }

    #[test]
    fn prf_matches_the_definition_for_many_lengths_and_seed_splits() {
        // `naive_prf` runs on ring's HMAC, `prf` on the one this CPU gets (the `hmac`
        // crate's for SHA-256 where SHA-NI is). The secrets' lengths go past both hashes'
        // blocks (64 and 128 bytes), where HMAC hashes the key first (RFC 2104 §2): no
        // secret strata derives is that long, but `prf` takes any.
        let label_seed = b"test labelseed bytes that go on for a while";
        for secret_len in [0, 20, 48, 64, 65, 66, 128, 129, 300] {
            let secret: Vec<u8> = (0..secret_len).map(|i| (i * 7 + 1) as u8).collect();
            for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
                for len in [0, 1, 12, 31, 32, 33, 48, 49, 100, 200] {
                    let want = naive_prf(hash, &secret, label_seed, len);
                    let mut got = vec![0; len];
                    let (label, seed) = label_seed.split_at(10);
                    let (seed1, seed2) = seed.split_at(7);
                    prf(hash, &secret, label, &[seed1, &[], seed2], &mut got);
                    assert_eq!(got, want, "{hash:?} secret {secret_len} out {len}");
                }
            }
        }
    }

    #[test]
    fn both_hmac_implementations_give_the_same_prf() {
        // `prf` takes one of them by the CPU; this runs both whatever the CPU (the
        // `hmac` crate falls back to portable SHA-256 code without the instructions).
        let seed: Vec<u8> = (0u8..=200).collect();
        for secret_len in [0, 1, 32, 48, 64, 65, 66, 200] {
            let secret: Vec<u8> = (0..secret_len).map(|i| (i * 13 + 5) as u8).collect();
            let on_ring = HmacKey::on_ring(HashAlgorithm::Sha256, &secret);
            let on_crate = HmacKey::on_hmac_crate(&secret);
            for (seed_len, out_len) in [(0, 12), (47, 12), (77, 40), (64, 32), (201, 104)] {
                let (label, rest) = seed[..seed_len].split_at(seed_len / 3);
                let mut a = vec![0u8; out_len];
                let mut b = vec![0u8; out_len];
                p_hash(&on_ring, label, &[rest], &mut a);
                p_hash(&on_crate, label, &[rest], &mut b);
                assert_eq!(a, b, "secret {secret_len} seed {seed_len} out {out_len}");
                let want = naive_prf(HashAlgorithm::Sha256, &secret, &seed[..seed_len], out_len);
                assert_eq!(a, want);
            }
        }
    }

    #[test]
    fn a_keyed_master_secret_gives_what_the_definition_gives() {
        // One `MasterSecret` for the key block, both Finished and an exporter, in a
        // handshake's order, against the PRF written out with fresh HMACs each time.
        for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            let bytes: Vec<u8> = (0u8..48).map(|i| i.wrapping_mul(37) ^ 0xa5).collect();
            let master = MasterSecret::new(hash, Secret::from_slice(&bytes).unwrap());
            assert_eq!(master.hash(), hash);
            assert_eq!(master.secret().as_bytes(), &bytes[..]);
            let (cr, sr) = ([0x31u8; 32], [0x42u8; 32]);
            for aead in [
                AeadAlgorithm::Aes128Gcm,
                AeadAlgorithm::Aes256Gcm,
                AeadAlgorithm::Chacha20Poly1305,
            ] {
                let kb = master.key_block(aead, &cr, &sr).unwrap();
                let joined = key_block_bytes(&kb);
                let want = naive_prf(
                    hash,
                    &bytes,
                    &[&b"key expansion"[..], &sr, &cr].concat(),
                    joined.len(),
                );
                assert_eq!(joined, want, "{hash:?} {aead:?}");
            }
            let transcript = vec![0x5c; hash.output_len()];
            for sender in [Sender::Client, Sender::Server, Sender::Client] {
                let got = master.verify_data(sender, &transcript);
                let want = naive_prf(
                    hash,
                    &bytes,
                    &[sender.finished_label(), &transcript].concat(),
                    VERIFY_DATA_LEN,
                );
                assert_eq!(got.to_vec(), want, "{hash:?} {sender:?}");
            }
            let mut exported = [0u8; 70];
            master.prf(b"EXPERIMENTAL x", &[&cr, &sr], &mut exported);
            let want = naive_prf(
                hash,
                &bytes,
                &[&b"EXPERIMENTAL x"[..], &cr, &sr].concat(),
                70,
            );
            assert_eq!(exported.to_vec(), want, "{hash:?}");
            let shown = format!("{master:?}");
            assert!(!shown.contains(&hex::encode(&bytes[..4])), "{shown}");
        }
    }

    #[test]
    fn prf_output_prefixes_agree() {
        // RFC 5246 §5: P_hash is iterated "as many times as necessary"; a shorter output is
        // a prefix of a longer one.
        let mut long = [0u8; 100];
        let mut short = [0u8; 47];
        prf(HashAlgorithm::Sha384, b"k", b"l", &[b"s"], &mut long);
        prf(HashAlgorithm::Sha384, b"k", b"l", &[b"s"], &mut short);
        assert_eq!(long.get(..47).unwrap(), &short[..]);
    }

    #[test]
    fn master_secrets_are_48_bytes_and_depend_on_every_input() {
        let pms = [3u8; 32];
        let (cr, sr) = ([1u8; 32], [2u8; 32]);
        for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha384] {
            let ms = master_secret(hash, &pms, &cr, &sr);
            assert_eq!(ms.len(), MASTER_SECRET_LEN);
            assert!(!ms.ct_eq(master_secret(hash, &pms, &sr, &cr).as_bytes()));
            assert!(!ms.ct_eq(master_secret(hash, &[4u8; 32], &cr, &sr).as_bytes()));
            let ems = extended_master_secret(hash, &pms, &[9u8; 32]);
            assert_eq!(ems.len(), MASTER_SECRET_LEN);
            assert!(!ems.ct_eq(ms.as_bytes()));
            assert_eq!(format!("{ms:?}"), "Secret(48 bytes)");
        }
        let ms256 = master_secret(HashAlgorithm::Sha256, &pms, &cr, &sr);
        let ms384 = master_secret(HashAlgorithm::Sha384, &pms, &cr, &sr);
        assert!(!ms256.ct_eq(ms384.as_bytes()));
    }

    #[test]
    fn key_block_splits_in_rfc_order_with_fixed_iv_lengths() {
        let ms = Secret::from_slice(&[7u8; 48]).unwrap();
        let (cr, sr) = ([1u8; 32], [2u8; 32]);
        for (aead, hash) in [
            (AeadAlgorithm::Aes128Gcm, HashAlgorithm::Sha256),
            (AeadAlgorithm::Aes256Gcm, HashAlgorithm::Sha384),
            (AeadAlgorithm::Chacha20Poly1305, HashAlgorithm::Sha256),
        ] {
            let kb = key_block(aead, hash, &ms, &cr, &sr).unwrap();
            let (k, iv) = (aead.key_len(), aead.tls12_fixed_iv_len());
            let mut block = vec![0; 2 * (k + iv)];
            prf(
                hash,
                ms.as_bytes(),
                b"key expansion",
                &[&sr, &cr],
                &mut block,
            );
            let joined = key_block_bytes(&kb);
            assert_eq!(joined, block, "{aead:?}");
            assert_eq!(kb.client_write.iv().len(), iv);
            assert_eq!(kb.client_write.aead(), aead);
            let shown = format!("{kb:?}");
            assert!(!shown.contains(&hex::encode(kb.client_write.key())));
        }
    }

    #[test]
    fn verify_data_differs_by_sender_and_transcript() {
        let ms = Secret::from_slice(&[7u8; 48]).unwrap();
        let h = [0x11u8; 32];
        let client = verify_data(HashAlgorithm::Sha256, &ms, Sender::Client, &h);
        let server = verify_data(HashAlgorithm::Sha256, &ms, Sender::Server, &h);
        assert_ne!(client, server);
        assert_ne!(
            client,
            verify_data(HashAlgorithm::Sha256, &ms, Sender::Client, &[0x12u8; 32])
        );
        let mut want = [0u8; 12];
        prf(
            HashAlgorithm::Sha256,
            &[7u8; 48],
            b"client finished",
            &[&h],
            &mut want,
        );
        assert_eq!(client, want);
    }

    #[test]
    fn exporter_distinguishes_no_context_from_empty_context() {
        let ms = Secret::from_slice(&[7u8; 48]).unwrap();
        let (cr, sr) = ([1u8; 32], [2u8; 32]);
        let export = |context: Option<&[u8]>| {
            let mut out = [0u8; 40];
            export_keying_material(
                HashAlgorithm::Sha256,
                &ms,
                b"EXPERIMENTAL test",
                context,
                &cr,
                &sr,
                &mut out,
            )
            .unwrap();
            out
        };
        let none = export(None);
        let empty = export(Some(&[]));
        let some = export(Some(b"ctx"));
        assert_ne!(none, empty);
        assert_ne!(empty, some);
        let mut want = [0u8; 40];
        prf(
            HashAlgorithm::Sha256,
            ms.as_bytes(),
            b"EXPERIMENTAL test",
            &[&cr, &sr, &[0, 3], b"ctx"],
            &mut want,
        );
        assert_eq!(some, want);
    }

    #[test]
    fn exporter_refuses_contexts_longer_than_a_uint16() {
        let ms = Secret::from_slice(&[7u8; 48]).unwrap();
        let mut out = [0u8; 8];
        let long = vec![0u8; 65536];
        let err = export_keying_material(
            HashAlgorithm::Sha256,
            &ms,
            b"EXPERIMENTAL",
            Some(&long),
            &[0; 32],
            &[0; 32],
            &mut out,
        )
        .unwrap_err();
        assert!(matches!(err, HandshakeError::Internal(_)));
        let max = vec![0u8; 65535];
        assert!(export_keying_material(
            HashAlgorithm::Sha256,
            &ms,
            b"EXPERIMENTAL",
            Some(&max),
            &[0; 32],
            &[0; 32],
            &mut out,
        )
        .is_ok());
    }
}
