//! The key schedules: where every secret of a connection comes from.
//!
//! - [`tls13`]: HKDF-Extract, HKDF-Expand-Label and Derive-Secret (RFC 8446 §7.1), the
//!   early, handshake and master secrets and everything derived from them;
//! - [`tls12`]: the PRF of RFC 5246 §5, the (extended) master secret, the key block,
//!   Finished and exporters;
//! - [`transcript`]: the running hash of the handshake messages (RFC 8446 §4.4.1);
//! - [`hmac_key`]: HMAC keyed once, the MAC both schedules are made of.
//!
//! Every secret is a [`Secret`] or [`TrafficKeys`]: both are wiped when dropped and print
//! no bytes in `Debug`.

use ring::{digest, hkdf, hmac};
use strata_record::AeadAlgorithm;
use zeroize::{Zeroize, ZeroizeOnDrop};

pub mod hmac_key;
pub mod tls12;
pub mod tls13;
pub mod transcript;

pub use hmac_key::HmacKey;

/// The longest hash output strata uses (SHA-384).
pub const MAX_HASH_LEN: usize = 48;

/// The hash function of a cipher suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

impl HashAlgorithm {
    /// The output length in bytes (`Hash.length` in RFC 8446).
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    /// The name as cipher suite names spell it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "SHA256",
            Self::Sha384 => "SHA384",
        }
    }

    /// ring's digest algorithm.
    pub fn digest_algorithm(self) -> &'static digest::Algorithm {
        match self {
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
        }
    }

    /// ring's HMAC algorithm.
    pub fn hmac_algorithm(self) -> hmac::Algorithm {
        match self {
            Self::Sha256 => hmac::HMAC_SHA256,
            Self::Sha384 => hmac::HMAC_SHA384,
        }
    }

    /// ring's HKDF algorithm.
    pub fn hkdf_algorithm(self) -> hkdf::Algorithm {
        match self {
            Self::Sha256 => hkdf::HKDF_SHA256,
            Self::Sha384 => hkdf::HKDF_SHA384,
        }
    }

    /// `HMAC-Hash(key, data)`, as a [`Secret`] since it usually is one.
    pub fn hmac(self, key: &[u8], data: &[&[u8]]) -> Secret {
        HmacKey::new(self, key).sign(data.iter().copied())
    }
}

/// Whether the CPU has the SHA-256 instructions the `sha2` crate uses (it detects them
/// the same way, at run time, and falls back to portable code without them): where it
/// has, SHA-256 runs on the `sha2` crate (HMAC, [`HmacKey`]; the transcript hash), and on
/// ring elsewhere ([`hmac_key`] says why).
fn sha256_instructions() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("sha")
            && std::is_x86_feature_detected!("sse2")
            && std::is_x86_feature_detected!("ssse3")
            && std::is_x86_feature_detected!("sse4.1")
    }
    #[cfg(target_arch = "aarch64")]
    {
        std::arch::is_aarch64_feature_detected!("sha2")
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

/// A secret of up to [`MAX_HASH_LEN`] bytes: a PRK, a traffic secret, a master secret, a
/// Finished key or verify_data. Zeroed on drop; `Debug` shows only its length.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Secret {
    bytes: [u8; MAX_HASH_LEN],
    len: usize,
}

impl Secret {
    /// A secret holding a copy of `bytes`, or `None` if it is longer than
    /// [`MAX_HASH_LEN`].
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let mut secret = Self {
            bytes: [0; MAX_HASH_LEN],
            len: bytes.len(),
        };
        secret.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(secret)
    }

    /// A secret of `len` bytes written by `fill`. `len` is at most [`MAX_HASH_LEN`] by
    /// construction at every call site (a hash length).
    fn filled(len: usize, fill: impl FnOnce(&mut [u8])) -> Self {
        let len = len.min(MAX_HASH_LEN);
        let mut secret = Self {
            bytes: [0; MAX_HASH_LEN],
            len,
        };
        if let Some(out) = secret.bytes.get_mut(..len) {
            fill(out);
        }
        secret
    }

    fn from_tag(tag: hmac::Tag) -> Self {
        Self::filled(tag.as_ref().len(), |out| out.copy_from_slice(tag.as_ref()))
    }

    /// The secret's bytes. Use them to key a primitive or to write an opt-in key log;
    /// never print them.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the secret is empty (never, for a derived secret).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Compares with `other` in time that depends only on the lengths (for Finished
    /// verify_data, RFC 8446 §4.4.4).
    pub fn ct_eq(&self, other: &[u8]) -> bool {
        let mine = self.as_bytes();
        mine.len() == other.len()
            && mine
                .iter()
                .zip(other)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Secret({} bytes)", self.len)
    }
}

/// Longest AEAD key (AES-256, ChaCha20).
const MAX_KEY_LEN: usize = 32;
/// Longest IV (TLS 1.3 and TLS 1.2 ChaCha20: 12 bytes).
const MAX_IV_LEN: usize = 12;

/// The key and IV that protect one direction of records, ready for
/// `strata_record::Sealer` and `Opener` (`for_tls13` takes the 12-byte IV; `for_tls12`
/// the fixed IV: 4 bytes for AES-GCM, 12 for ChaCha20-Poly1305).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct TrafficKeys {
    #[zeroize(skip)]
    aead: AeadAlgorithm,
    key: [u8; MAX_KEY_LEN],
    key_len: usize,
    iv: [u8; MAX_IV_LEN],
    iv_len: usize,
}

impl TrafficKeys {
    /// Keys for `aead` from a key and IV of the lengths the AEAD needs, or `None` when a
    /// length is wrong.
    pub fn new(aead: AeadAlgorithm, key: &[u8], iv: &[u8]) -> Option<Self> {
        if key.len() != aead.key_len() || iv.len() > MAX_IV_LEN {
            return None;
        }
        let mut keys = Self {
            aead,
            key: [0; MAX_KEY_LEN],
            key_len: key.len(),
            iv: [0; MAX_IV_LEN],
            iv_len: iv.len(),
        };
        keys.key.get_mut(..key.len())?.copy_from_slice(key);
        keys.iv.get_mut(..iv.len())?.copy_from_slice(iv);
        Some(keys)
    }

    /// Keys for `aead` whose key (`aead.key_len()` bytes) and IV (`iv_len` bytes, at most
    /// 12) are written in place by `fill`, so that they never sit in a temporary buffer.
    fn filled(aead: AeadAlgorithm, iv_len: usize, fill: impl FnOnce(&mut [u8], &mut [u8])) -> Self {
        let mut keys = Self {
            aead,
            key: [0; MAX_KEY_LEN],
            key_len: aead.key_len().min(MAX_KEY_LEN),
            iv: [0; MAX_IV_LEN],
            iv_len: iv_len.min(MAX_IV_LEN),
        };
        if let (Some(key), Some(iv)) = (
            keys.key.get_mut(..keys.key_len),
            keys.iv.get_mut(..keys.iv_len),
        ) {
            fill(key, iv);
        }
        keys
    }

    /// The AEAD these keys are for.
    pub fn aead(&self) -> AeadAlgorithm {
        self.aead
    }

    /// The write key.
    pub fn key(&self) -> &[u8] {
        self.key.get(..self.key_len).unwrap_or_default()
    }

    /// The IV (TLS 1.3 `iv`; TLS 1.2 fixed IV).
    pub fn iv(&self) -> &[u8] {
        self.iv.get(..self.iv_len).unwrap_or_default()
    }
}

impl core::fmt::Debug for TrafficKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TrafficKeys")
            .field("aead", &self.aead)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_print_no_bytes() {
        let secret = Secret::from_slice(&[0xab; 32]).unwrap();
        assert_eq!(format!("{secret:?}"), "Secret(32 bytes)");
        let keys = TrafficKeys::new(AeadAlgorithm::Aes128Gcm, &[0xab; 16], &[0xcd; 12]).unwrap();
        let shown = format!("{keys:?}");
        assert!(!shown.contains("ab") && !shown.contains("171"), "{shown}");
    }

    #[test]
    fn constant_time_compare_checks_length_and_bytes() {
        let secret = Secret::from_slice(b"0123456789ab").unwrap();
        assert!(secret.ct_eq(b"0123456789ab"));
        assert!(!secret.ct_eq(b"0123456789aB"));
        assert!(!secret.ct_eq(b"0123456789a"));
        assert!(Secret::from_slice(&[0; 49]).is_none());
    }

    #[test]
    fn traffic_keys_refuse_wrong_lengths() {
        assert!(TrafficKeys::new(AeadAlgorithm::Aes256Gcm, &[0; 16], &[0; 12]).is_none());
        assert!(TrafficKeys::new(AeadAlgorithm::Aes128Gcm, &[0; 16], &[0; 13]).is_none());
        let k = TrafficKeys::new(AeadAlgorithm::Aes128Gcm, &[1; 16], &[2; 4]).unwrap();
        assert_eq!((k.key(), k.iv()), (&[1u8; 16][..], &[2u8; 4][..]));
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        let mac = HashAlgorithm::Sha256.hmac(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(mac.as_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
