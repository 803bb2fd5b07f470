//! HMAC (RFC 2104) keyed once and run many times: the one MAC both key schedules are made
//! of (TLS 1.3's HKDF, RFC 5869 and RFC 8446 §7.1; TLS 1.2's PRF, RFC 5246 §5) and the
//! Finished MACs (RFC 8446 §4.4.4).
//!
//! Every key schedule operation is an HMAC over a short input, so the work around each
//! call weighs as much as the hashing. Where the CPU has SHA-256 instructions (x86 SHA-NI,
//! ARMv8 SHA2), HMAC-SHA256 runs on RustCrypto's `hmac` and `sha2` crates rather than on
//! ring: both hash a block as fast there, but ring's HMAC copies and finishes a general
//! digest context around each call, which cost more than the hashing itself on these
//! inputs (one HMAC of 109 bytes: 224 ns on ring, 145 ns on the `hmac` crate, on the
//! machine of benches/PROFILES.md, fifth round). Everywhere else, and for SHA-384 (no such
//! instructions), HMAC runs on ring, whose vectorised SHA-2 beats the portable code. Both
//! give the same bytes, which the tests check on every machine.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{sha256_instructions, HashAlgorithm, Secret};

/// An HMAC key over one hash, with the key padded with ipad and with opad already hashed
/// (RFC 2104 §2): making it costs two hash compressions, as much as one short HMAC, so a
/// secret that keys several HMACs is made into an `HmacKey` once.
///
/// Neither implementation wipes its keyed state (two hash states, as good as the key to
/// an attacker) on drop, so holders keep an `HmacKey` only as long as they derive from it.
#[derive(Clone)]
pub struct HmacKey {
    hash: HashAlgorithm,
    implementation: Implementation,
}

#[derive(Clone)]
enum Implementation {
    /// SHA-256 on the `hmac` and `sha2` crates, for CPUs with SHA-256 instructions.
    Sha256(Hmac<Sha256>),
    /// ring's HMAC: SHA-384, and SHA-256 elsewhere.
    Ring(ring::hmac::Key),
}

impl HmacKey {
    /// `key` as an HMAC key over `hash`, on the faster implementation for this CPU (see
    /// the module docs). Takes a key of any length (RFC 2104 §2 hashes a longer one).
    pub fn new(hash: HashAlgorithm, key: &[u8]) -> Self {
        match hash {
            HashAlgorithm::Sha256 if sha256_instructions() => Self::on_hmac_crate(key),
            _ => Self::on_ring(hash, key),
        }
    }

    /// On ring's HMAC, whatever the CPU (for tests that run both implementations).
    pub(super) fn on_ring(hash: HashAlgorithm, key: &[u8]) -> Self {
        Self {
            hash,
            implementation: Implementation::Ring(ring::hmac::Key::new(hash.hmac_algorithm(), key)),
        }
    }

    /// HMAC-SHA256 on the `hmac` crate, whatever the CPU (without the instructions it
    /// runs portable code, more slowly; for tests that run both implementations).
    pub(super) fn on_hmac_crate(key: &[u8]) -> Self {
        // The `hmac` crate's constructor returns `Ok` for every key length: its `Result`
        // is that of the generic `KeyInit` interface.
        let implementation = match Hmac::<Sha256>::new_from_slice(key) {
            Ok(key) => Implementation::Sha256(key),
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        };
        Self {
            hash: HashAlgorithm::Sha256,
            implementation,
        }
    }

    /// The hash HMAC runs over; its output length is the MAC's.
    pub fn hash(&self) -> HashAlgorithm {
        self.hash
    }

    /// `HMAC(key, text)` where `text` is the concatenation of `parts`, so that callers
    /// need not build it (an HKDF info, a PRF seed).
    pub fn sign<'a>(&self, parts: impl IntoIterator<Item = &'a [u8]>) -> Secret {
        match &self.implementation {
            Implementation::Sha256(key) => {
                let mut mac = key.clone();
                for part in parts {
                    mac.update(part);
                }
                let tag = mac.finalize().into_bytes();
                Secret::filled(tag.len(), |out| out.copy_from_slice(&tag))
            }
            Implementation::Ring(key) => {
                let mut mac = ring::hmac::Context::with_key(key);
                for part in parts {
                    mac.update(part);
                }
                Secret::from_tag(mac.sign())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring_hmac(hash: HashAlgorithm, key: &[u8], text: &[u8]) -> Vec<u8> {
        let key = ring::hmac::Key::new(hash.hmac_algorithm(), key);
        ring::hmac::sign(&key, text).as_ref().to_vec()
    }

    #[test]
    fn both_implementations_give_ring_s_mac_for_every_key_and_split() {
        // `new` takes one implementation by the CPU; this runs both whatever the CPU. Keys
        // go past both hashes' blocks (64 and 128 bytes), where HMAC hashes the key first
        // (RFC 2104 §2); texts are split anywhere, empty parts included.
        let text: Vec<u8> = (0u8..=200).collect();
        for key_len in [0, 1, 32, 48, 63, 64, 65, 128, 129, 300] {
            let key: Vec<u8> = (0..key_len).map(|i| (i * 13 + 5) as u8).collect();
            let on_ring = HmacKey::on_ring(HashAlgorithm::Sha256, &key);
            let on_crate = HmacKey::on_hmac_crate(&key);
            assert!(matches!(on_ring.implementation, Implementation::Ring(_)));
            assert!(matches!(on_crate.implementation, Implementation::Sha256(_)));
            for text_len in [0, 1, 32, 55, 56, 64, 119, 120, 201] {
                let (a, rest) = text[..text_len].split_at(text_len / 3);
                let (b, c) = rest.split_at(rest.len() / 2);
                let parts = [a, &[][..], b, c];
                let want = ring_hmac(HashAlgorithm::Sha256, &key, &text[..text_len]);
                assert_eq!(on_ring.sign(parts).as_bytes(), want, "{key_len} {text_len}");
                assert_eq!(
                    on_crate.sign(parts).as_bytes(),
                    want,
                    "{key_len} {text_len}"
                );
                let sha384 = HmacKey::new(HashAlgorithm::Sha384, &key).sign(parts);
                let want = ring_hmac(HashAlgorithm::Sha384, &key, &text[..text_len]);
                assert_eq!(sha384.as_bytes(), want);
            }
        }
    }

    #[test]
    fn the_cpu_picks_the_implementation() {
        // SHA-384 always runs on ring; SHA-256 on the `hmac` crate exactly where the CPU
        // has the instructions.
        let sha384 = HmacKey::new(HashAlgorithm::Sha384, b"k");
        assert!(matches!(sha384.implementation, Implementation::Ring(_)));
        assert_eq!(sha384.hash(), HashAlgorithm::Sha384);
        let sha256 = HmacKey::new(HashAlgorithm::Sha256, b"k");
        assert_eq!(
            matches!(sha256.implementation, Implementation::Sha256(_)),
            sha256_instructions()
        );
        assert_eq!(sha256.hash(), HashAlgorithm::Sha256);
    }

    #[test]
    fn rfc_4231_test_case_2_on_both() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        let want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        for key in [
            HmacKey::on_ring(HashAlgorithm::Sha256, b"Jefe"),
            HmacKey::on_hmac_crate(b"Jefe"),
        ] {
            let mac = key.sign([&b"what do ya want "[..], b"for nothing?"]);
            let hex: String = mac.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, want);
        }
    }
}
