//! Ephemeral (EC)DH key exchange over X25519, P-256 and P-384 with ring: the TLS 1.3
//! `key_share` values (RFC 8446 §4.2.8.2, §7.4.2) and the TLS 1.2 ECDHE public values of
//! ServerKeyExchange and ClientKeyExchange (RFC 8422 §5.4, §5.7, §5.10).
//!
//! A peer's public value is checked before use: it must have the group's exact length,
//! be an uncompressed point (first byte 4) on the curve for P-256 and P-384, and, for
//! X25519, must not give the all-zero shared secret (RFC 7748 §6.1). Each failure is a
//! [`HandshakeError::BadKeyShare`], sent as illegal_parameter.

use ring::agreement;
use ring::rand::SecureRandom;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{HandshakeError, NamedGroup};

/// A key-exchange group strata implements (RFC 8446 §4.2.7, RFC 8422 §5.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyExchangeGroup {
    /// X25519 (RFC 7748 §5; RFC 8446 §4.2.8.2): 32-byte public values and secrets.
    X25519,
    /// NIST P-256 (RFC 8446 §4.2.8.2): 65-byte uncompressed points, 32-byte secrets.
    Secp256r1,
    /// NIST P-384 (RFC 8446 §4.2.8.2): 97-byte uncompressed points, 48-byte secrets.
    Secp384r1,
}

/// Every implemented group, in strata's default order of preference (RFC 8446 §4.2.7:
/// the client lists `supported_groups` from most to least preferred).
pub const SUPPORTED_GROUPS: &[KeyExchangeGroup] = &[
    KeyExchangeGroup::X25519,
    KeyExchangeGroup::Secp256r1,
    KeyExchangeGroup::Secp384r1,
];

/// Whether strata implements `group` (RFC 8446 §4.2.7).
pub fn is_supported(group: NamedGroup) -> bool {
    KeyExchangeGroup::from_named_group(group).is_some()
}

/// The legacy_form byte of an uncompressed point (RFC 8446 §4.2.8.2, RFC 8422 §5.4.1).
const UNCOMPRESSED: u8 = 4;

impl KeyExchangeGroup {
    /// The group for a `NamedGroup` code point, if strata implements it (RFC 8446
    /// §4.2.7).
    pub fn from_named_group(group: NamedGroup) -> Option<Self> {
        match group {
            NamedGroup::X25519 => Some(Self::X25519),
            NamedGroup::Secp256r1 => Some(Self::Secp256r1),
            NamedGroup::Secp384r1 => Some(Self::Secp384r1),
            _ => None,
        }
    }

    /// The `NamedGroup` code point (RFC 8446 §4.2.7).
    pub const fn named_group(self) -> NamedGroup {
        match self {
            Self::X25519 => NamedGroup::X25519,
            Self::Secp256r1 => NamedGroup::Secp256r1,
            Self::Secp384r1 => NamedGroup::Secp384r1,
        }
    }

    /// The length of a public value: 32 for X25519, `1 + 2 * coordinate_length` for the
    /// uncompressed NIST points (RFC 8446 §4.2.8.2).
    pub const fn public_key_len(self) -> usize {
        match self {
            Self::X25519 => 32,
            Self::Secp256r1 => 65,
            Self::Secp384r1 => 97,
        }
    }

    /// The length of the shared secret: the X25519 output or the x-coordinate, never
    /// truncated (RFC 8446 §7.4.2, RFC 8422 §5.10).
    pub const fn shared_secret_len(self) -> usize {
        match self {
            Self::X25519 | Self::Secp256r1 => 32,
            Self::Secp384r1 => 48,
        }
    }

    fn algorithm(self) -> &'static agreement::Algorithm {
        match self {
            Self::X25519 => &agreement::X25519,
            Self::Secp256r1 => &agreement::ECDH_P256,
            Self::Secp384r1 => &agreement::ECDH_P384,
        }
    }

    /// Checks the form and length of a peer's public value (RFC 8446 §4.2.8.2, RFC 8422
    /// §5.4.1); whether a NIST point is on its curve is checked by the agreement itself.
    fn check_peer_public(self, peer_public: &[u8]) -> Result<(), HandshakeError> {
        let bad = |reason| HandshakeError::BadKeyShare {
            group: self.named_group(),
            reason,
        };
        if self != Self::X25519 {
            match peer_public.first() {
                None => return Err(bad("empty public value")),
                Some(&UNCOMPRESSED) => {}
                Some(_) => return Err(bad("point not in uncompressed form")),
            }
        }
        if peer_public.len() != self.public_key_len() {
            return Err(bad("public value of the wrong length"));
        }
        Ok(())
    }
}

/// A freshly generated private key and its public value, for one key exchange
/// (RFC 8446 §4.2.8, RFC 8422 §5.4). The private key never leaves ring and is used up by
/// [`EphemeralKeyPair::agree`].
pub struct EphemeralKeyPair {
    group: KeyExchangeGroup,
    private_key: agreement::EphemeralPrivateKey,
    public_key: agreement::PublicKey,
}

impl EphemeralKeyPair {
    /// Generates a key pair in `group` from `rng` (RFC 8446 §4.2.8.2, §7.4).
    ///
    /// Fails with [`HandshakeError::Internal`] only if the random generator fails.
    pub fn generate(
        group: KeyExchangeGroup,
        rng: &dyn SecureRandom,
    ) -> Result<Self, HandshakeError> {
        let private_key = agreement::EphemeralPrivateKey::generate(group.algorithm(), rng)
            .map_err(|_| HandshakeError::Internal("key-exchange key generation failed"))?;
        let public_key = private_key
            .compute_public_key()
            .map_err(|_| HandshakeError::Internal("key-exchange public key failed"))?;
        Ok(Self {
            group,
            private_key,
            public_key,
        })
    }

    /// The group of this key pair.
    pub fn group(&self) -> KeyExchangeGroup {
        self.group
    }

    /// The public value to send: 32 bytes for X25519, an uncompressed point
    /// `04 || X || Y` for P-256 and P-384 (RFC 8446 §4.2.8.2, RFC 8422 §5.4.1).
    pub fn public_key(&self) -> &[u8] {
        self.public_key.as_ref()
    }

    /// Our public value as ring holds it (no allocation), to keep past [`Self::agree`].
    pub(crate) fn public_key_value(&self) -> agreement::PublicKey {
        self.public_key.clone()
    }

    /// Computes the shared secret with the peer's public value, consuming the private key
    /// (RFC 8446 §7.4; RFC 8422 §5.10).
    ///
    /// Fails with [`HandshakeError::BadKeyShare`] (illegal_parameter) when the peer's value
    /// has the wrong length, is not an uncompressed point or not on the curve
    /// (RFC 8446 §4.2.8.2), or, for X25519, gives the all-zero secret (RFC 8446 §7.4.2,
    /// RFC 7748 §6.1).
    pub fn agree(self, peer_public: &[u8]) -> Result<SharedSecret, HandshakeError> {
        let group = self.group;
        let bad = |reason| HandshakeError::BadKeyShare {
            group: group.named_group(),
            reason,
        };
        group.check_peer_public(peer_public)?;
        let invalid = match group {
            // ring refuses a low-order u-coordinate by the all-zero result.
            KeyExchangeGroup::X25519 => "X25519 shared secret is all zero",
            KeyExchangeGroup::Secp256r1 | KeyExchangeGroup::Secp384r1 => "point not on the curve",
        };
        let peer = agreement::UnparsedPublicKey::new(group.algorithm(), peer_public);
        let secret = agreement::agree_ephemeral(self.private_key, &peer, SharedSecret::from_slice)
            .map_err(|_| bad(invalid))?
            .ok_or(bad("shared secret of an unexpected length"))?;
        if secret.as_bytes().len() != group.shared_secret_len() {
            return Err(bad("shared secret of an unexpected length"));
        }
        // RFC 8446 §7.4.2: the all-zero check is ours to make whatever ring does; it can
        // only hit X25519 (a NIST x-coordinate of zero is a point ring has refused).
        if secret.is_all_zero() {
            return Err(bad("X25519 shared secret is all zero"));
        }
        Ok(secret)
    }
}

impl core::fmt::Debug for EphemeralKeyPair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EphemeralKeyPair")
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

/// The longest shared secret (P-384's x-coordinate).
const MAX_SHARED_SECRET_LEN: usize = 48;

/// The (EC)DH shared secret: the TLS 1.3 `(EC)DHE` input to HKDF-Extract (RFC 8446 §7.1,
/// §7.4) or the TLS 1.2 pre-master secret (RFC 8422 §5.10). Zeroed on drop; `Debug`
/// shows only its length.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SharedSecret {
    bytes: [u8; MAX_SHARED_SECRET_LEN],
    len: usize,
}

impl SharedSecret {
    fn from_slice(bytes: &[u8]) -> Option<Self> {
        let mut secret = Self {
            bytes: [0; MAX_SHARED_SECRET_LEN],
            len: bytes.len(),
        };
        secret.bytes.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(secret)
    }

    /// The secret's bytes, to feed the key schedule; never print them (RFC 8446 §7.4).
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// Whether every byte is zero, in time that depends only on the length.
    fn is_all_zero(&self) -> bool {
        self.as_bytes().iter().fold(0u8, |acc, b| acc | b) == 0
    }
}

impl core::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SharedSecret({} bytes)", self.len)
    }
}

#[cfg(test)]
mod tests {
    use ring::rand::SystemRandom;
    use strata_alert::AlertDescription;

    use super::*;

    fn pair(group: KeyExchangeGroup) -> EphemeralKeyPair {
        EphemeralKeyPair::generate(group, &SystemRandom::new()).unwrap()
    }

    fn assert_illegal_parameter(result: Result<SharedSecret, HandshakeError>, why: &str) {
        let err = result.unwrap_err();
        assert!(matches!(err, HandshakeError::BadKeyShare { .. }), "{why}");
        assert_eq!(err.alert(), AlertDescription::IllegalParameter, "{why}");
        assert!(err.to_string().contains(why), "{err} lacks {why}");
    }

    #[test]
    fn both_sides_agree_on_the_secret_in_every_group() {
        for &group in SUPPORTED_GROUPS {
            let (a, b) = (pair(group), pair(group));
            let (a_pub, b_pub) = (a.public_key().to_vec(), b.public_key().to_vec());
            assert_ne!(a_pub, b_pub);
            let ab = a.agree(&b_pub).unwrap();
            let ba = b.agree(&a_pub).unwrap();
            assert_eq!(ab.as_bytes(), ba.as_bytes(), "{group:?}");
            assert_eq!(ab.as_bytes().len(), group.shared_secret_len());
            assert!(!ab.is_all_zero());
        }
    }

    #[test]
    fn public_values_have_the_rfc_lengths_and_form() {
        for (group, len) in [
            (KeyExchangeGroup::X25519, 32),
            (KeyExchangeGroup::Secp256r1, 65),
            (KeyExchangeGroup::Secp384r1, 97),
        ] {
            let kp = pair(group);
            assert_eq!(kp.group(), group);
            assert_eq!(kp.public_key().len(), len);
            assert_eq!(group.public_key_len(), len);
            if group != KeyExchangeGroup::X25519 {
                assert_eq!(kp.public_key().first(), Some(&4));
            }
        }
    }

    #[test]
    fn named_groups_map_both_ways_and_only_three_are_supported() {
        for &group in SUPPORTED_GROUPS {
            assert_eq!(
                KeyExchangeGroup::from_named_group(group.named_group()),
                Some(group)
            );
            assert!(is_supported(group.named_group()));
        }
        for other in [
            NamedGroup::Secp521r1,
            NamedGroup::X448,
            NamedGroup::Ffdhe2048,
            NamedGroup::X25519Mlkem768,
            NamedGroup::Unknown(0x0a0a),
        ] {
            assert!(!is_supported(other), "{other:?}");
        }
    }

    #[test]
    fn wrong_length_shares_are_illegal_parameter() {
        for &group in SUPPORTED_GROUPS {
            let peer = pair(group).public_key().to_vec();
            for len in [group.public_key_len() - 1, group.public_key_len() + 1] {
                let mut share = peer.clone();
                share.resize(len, 0x55);
                assert_illegal_parameter(pair(group).agree(&share), "wrong length");
            }
            assert_illegal_parameter(pair(group).agree(&[]), "");
        }
        // A P-256 share offered for P-384.
        let p256 = pair(KeyExchangeGroup::Secp256r1).public_key().to_vec();
        assert_illegal_parameter(
            pair(KeyExchangeGroup::Secp384r1).agree(&p256),
            "wrong length",
        );
    }

    #[test]
    fn compressed_and_hybrid_points_are_illegal_parameter() {
        for group in [KeyExchangeGroup::Secp256r1, KeyExchangeGroup::Secp384r1] {
            let peer = pair(group).public_key().to_vec();
            let coordinate_len = (group.public_key_len() - 1) / 2;
            // The compressed form of the same point: 02/03 || X.
            let mut compressed = peer[..=coordinate_len].to_vec();
            compressed[0] = 2 | (peer[group.public_key_len() - 1] & 1);
            assert_illegal_parameter(pair(group).agree(&compressed), "uncompressed form");
            // Right length, wrong form byte (compressed 02, hybrid 06/07, infinity 00).
            for form in [0u8, 2, 3, 6, 7] {
                let mut share = peer.clone();
                share[0] = form;
                assert_illegal_parameter(pair(group).agree(&share), "uncompressed form");
            }
        }
    }

    #[test]
    fn points_off_the_curve_are_illegal_parameter() {
        for group in [KeyExchangeGroup::Secp256r1, KeyExchangeGroup::Secp384r1] {
            let n = (group.public_key_len() - 1) / 2;
            // (1, 1) is not on either curve.
            let mut share = vec![4u8];
            share.extend(std::iter::repeat_n(0, n - 1).chain([1]));
            share.extend(std::iter::repeat_n(0, n - 1).chain([1]));
            assert_illegal_parameter(pair(group).agree(&share), "not on the curve");
            // Coordinates past the field prime.
            let mut share = vec![4u8];
            share.resize(group.public_key_len(), 0xff);
            assert_illegal_parameter(pair(group).agree(&share), "not on the curve");
            // A valid point with one bit of Y flipped.
            let mut share = pair(group).public_key().to_vec();
            share[group.public_key_len() - 1] ^= 1;
            assert_illegal_parameter(pair(group).agree(&share), "not on the curve");
        }
    }

    #[test]
    fn x25519_low_order_points_are_illegal_parameter() {
        // RFC 7748 §6.1: a low-order u-coordinate gives the all-zero secret. u = 0, u = 1,
        // a point of order 8, and p (non-canonical 0) and p + 1 (non-canonical 1).
        let order8 = "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800";
        let p = "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
        let p_plus_1 = "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
        let mut one = [0u8; 32];
        one[0] = 1;
        for share in [
            vec![0u8; 32],
            one.to_vec(),
            hex::decode(order8).unwrap(),
            hex::decode(p).unwrap(),
            hex::decode(p_plus_1).unwrap(),
        ] {
            assert_illegal_parameter(pair(KeyExchangeGroup::X25519).agree(&share), "all zero");
        }
    }

    #[test]
    fn any_other_x25519_value_is_accepted() {
        // RFC 7748 §5: every 32-byte string is a u-coordinate; only the result is checked.
        let share = [0x42u8; 32];
        let secret = pair(KeyExchangeGroup::X25519).agree(&share).unwrap();
        assert_eq!(secret.as_bytes().len(), 32);
    }

    #[test]
    fn secrets_and_key_pairs_print_no_bytes() {
        let (a, b) = (
            pair(KeyExchangeGroup::Secp384r1),
            pair(KeyExchangeGroup::Secp384r1),
        );
        let shown = format!("{a:?}");
        assert_eq!(shown, "EphemeralKeyPair { group: Secp384r1, .. }");
        let secret = a.agree(b.public_key()).unwrap();
        assert_eq!(format!("{secret:?}"), "SharedSecret(48 bytes)");
    }
}
