//! The crypto a handshake cannot do without beyond the crypto floor's primitives
//! ([`crate::crypto::floor_loop`]): the transcript hash, the protection of the encrypted
//! handshake records, the set-up of the traffic keys, TLS 1.3's Finished MACs and the
//! hellos' randoms. The floor leaves these out. A stack that did nothing else at all
//! (no parsing, encoding, state, allocation or copying) would still spend this time on
//! top of the floor. So `floor / (floor + this)` is the highest share of the floor that
//! any stack on ring can reach on a row: the "no-code bound" of the turns table
//! ([`crate::turns`]).
//!
//! The sizes come from the records of a real strata handshake of the row
//! ([`drive::flights`]), so the bound follows the messages' real lengths (certificate
//! chains, extensions). Only what the protocol requires is counted, and only once:
//!
//! - each side hashes every handshake message once (RFC 8446 §4.4.1; RFC 5246 §7.4.9);
//! - each encrypted handshake record is sealed once and opened once (RFC 8446 §5.2;
//!   RFC 5246 §6.2.3.3), under one key of the row's suite;
//! - each side sets up the AEAD keys it uses: TLS 1.3 four (handshake and application,
//!   each direction; RFC 8446 §7.3), TLS 1.2 two (RFC 5246 §6.3);
//! - in a full TLS 1.3 handshake each side computes its Finished and checks the peer's,
//!   two HMACs (RFC 8446 §4.4.4); the resumed floor counts these already, and TLS 1.2's
//!   PRF is counted in the floor's key schedule;
//! - each side reads 32 bytes of randomness for its hello's random (RFC 8446 §4.1.2).
//!
//! Left out, so that the bound errs high, never low: TLS 1.3 records sent after the
//! client's last flight (NewSessionTicket, which a server may choose not to send); the
//! hash snapshots taken for CertificateVerify and Finished; the HMAC key set-up for each
//! secret the key schedule expands from (the floor keys one once).

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::digest;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

use crate::crypto;
use crate::drive::{self, Buffers, Flight};
use crate::measure::checked_stack;
use crate::setup::{Aead, Pki, Setup, Version};
use crate::stacks::strata::Strata;

/// RFC 8446 §5.1, RFC 5246 §6.2.1: a record's type, version and length.
const RECORD_HEADER_LEN: usize = 5;
/// The AEAD tag of every suite measured (RFC 5116 §5).
const TAG_LEN: usize = 16;
/// RFC 5288 §3: a TLS 1.2 AES-GCM record carries the nonce's explicit 8 bytes; a
/// ChaCha20-Poly1305 one carries none (RFC 7905 §2).
const TLS12_GCM_EXPLICIT_NONCE_LEN: usize = 8;

const CHANGE_CIPHER_SPEC: u8 = 20;
const HANDSHAKE: u8 = 22;
const APPLICATION_DATA: u8 = 23;

/// The crypto of one handshake beyond the floor's, read from its records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolWork {
    /// The bytes of handshake messages in each record, in order: what each side adds to
    /// its transcript hash.
    pub hashed: Vec<usize>,
    /// What the AEAD seals and opens for each encrypted handshake record: TLS 1.3 the
    /// messages and the content type byte, TLS 1.2 the message.
    pub sealed: Vec<usize>,
    /// AEAD keys each side sets up.
    pub keys_per_side: usize,
    /// HMACs each side computes that the floor does not count.
    pub hmacs_per_side: usize,
}

impl ProtocolWork {
    /// Reads the work of a handshake of `setup` from its `flights`.
    pub fn of(setup: &Setup, flights: &[Flight]) -> Result<Self, String> {
        let tls13 = setup.version == Version::Tls13;
        // TLS 1.3's handshake ends with the client's Finished: whatever the server sends
        // after the client's last flight is post-handshake (its tickets). TLS 1.2's full
        // handshake ends with the server's Finished.
        let last_client = flights
            .iter()
            .rposition(|f| f.from_client)
            .ok_or("no flight from the client")?;
        let handshake_flights = if tls13 {
            last_client + 1
        } else {
            flights.len()
        };
        let explicit_nonce = match setup.aead {
            Aead::Chacha20Poly1305 => 0,
            Aead::Aes128Gcm | Aead::Aes256Gcm => TLS12_GCM_EXPLICIT_NONCE_LEN,
        };
        let (mut hashed, mut sealed) = (Vec::new(), Vec::new());
        // TLS 1.2: whether each side (client, server) has sent ChangeCipherSpec, after
        // which its handshake records are encrypted.
        let mut encrypting = [false, false];
        for flight in flights.iter().take(handshake_flights) {
            let side = usize::from(!flight.from_client);
            let mut rest = flight.tls.as_slice();
            while !rest.is_empty() {
                let (header, body) = rest
                    .split_at_checked(RECORD_HEADER_LEN)
                    .ok_or("a truncated record header")?;
                let (&content_type, len) = match header {
                    [t, _, _, hi, lo] => (t, usize::from(u16::from_be_bytes([*hi, *lo]))),
                    _ => return Err("a truncated record header".into()),
                };
                let (_, after) = body.split_at_checked(len).ok_or("a truncated record")?;
                rest = after;
                let protected = |overhead: usize| {
                    len.checked_sub(overhead)
                        .ok_or_else(|| format!("a {len}-byte protected record"))
                };
                match (tls13, content_type, encrypting.get(side).copied()) {
                    (_, CHANGE_CIPHER_SPEC, _) => {
                        if let Some(flag) = encrypting.get_mut(side) {
                            *flag = !tls13;
                        }
                    }
                    (true, APPLICATION_DATA, _) => {
                        let inner = protected(TAG_LEN)?;
                        sealed.push(inner);
                        hashed.push(inner.saturating_sub(1));
                    }
                    (false, HANDSHAKE, Some(true)) => {
                        let inner = protected(explicit_nonce + TAG_LEN)?;
                        sealed.push(inner);
                        hashed.push(inner);
                    }
                    (_, HANDSHAKE, _) => hashed.push(len),
                    (_, other, _) => {
                        return Err(format!("a record of type {other} during the handshake"))
                    }
                }
            }
        }
        Ok(Self {
            hashed,
            sealed,
            keys_per_side: if tls13 { 4 } else { 2 },
            hmacs_per_side: if tls13 && !setup.resumed { 2 } else { 0 },
        })
    }

    /// The work of a strata handshake of `setup` (for a resumed setup, a resumed one).
    pub fn measure(pki: &Pki, setup: &Setup) -> Result<Self, String> {
        let strata = checked_stack::<Strata>(pki, setup)?.ok_or("strata: not implemented")?;
        let flights = drive::flights(&strata, &mut Buffers::default())?;
        Self::of(setup, &flights)
    }
}

/// The transcript hash of `setup`'s suite: SHA-384 for AES-256-GCM in TLS 1.3
/// (TLS_AES_256_GCM_SHA384), and for TLS 1.2's AES-256-GCM suites; SHA-256 otherwise.
fn transcript_hash(setup: &Setup) -> &'static digest::Algorithm {
    match setup.aead {
        Aead::Aes256Gcm => &digest::SHA384,
        Aead::Aes128Gcm | Aead::Chacha20Poly1305 => &digest::SHA256,
    }
}

/// The [`ProtocolWork`] of `setup`, once per call, with ring, the way
/// [`crypto::floor_once`] runs the floor's primitives: both sides' transcript hashes,
/// key set-ups, HMACs and randoms, then each encrypted record sealed and opened.
pub fn extras_once(pki: &Pki, setup: &Setup) -> Result<impl FnMut() -> Result<(), String>, String> {
    let work = ProtocolWork::measure(pki, setup)?;
    let algorithm = crypto::ring_aead(setup.aead);
    let hash = transcript_hash(setup);
    let key_bytes = vec![0x5a; algorithm.key_len()];
    let unspecified = |what: &'static str| move |_| format!("ring: {what}");
    let record_key =
        LessSafeKey::new(UnboundKey::new(algorithm, &key_bytes).map_err(unspecified("AEAD key"))?);
    let finished_key = hmac::Key::new(hmac::HMAC_SHA256, &[0x77; 32]);
    let rng = SystemRandom::new();
    let longest = work
        .hashed
        .iter()
        .chain(&work.sealed)
        .copied()
        .max()
        .unwrap_or(0);
    let messages = vec![0x16u8; longest];
    let mut record = Vec::with_capacity(longest + TAG_LEN);
    let header = [APPLICATION_DATA, 3, 3, 0, 0];
    Ok(move || {
        for _side in 0..2 {
            let mut transcript = digest::Context::new(hash);
            for &n in &work.hashed {
                transcript.update(messages.get(..n).unwrap_or_default());
            }
            std::hint::black_box(transcript.finish());
            for _ in 0..work.keys_per_side {
                let key = UnboundKey::new(algorithm, &key_bytes).map_err(unspecified("key"))?;
                std::hint::black_box(LessSafeKey::new(key));
            }
            for _ in 0..work.hmacs_per_side {
                std::hint::black_box(hmac::sign(&finished_key, &[0x99; 32]));
            }
            let mut random = [0u8; 32];
            rng.fill(&mut random).map_err(unspecified("random"))?;
            std::hint::black_box(random);
        }
        for &n in &work.sealed {
            record.clear();
            record.extend_from_slice(messages.get(..n).unwrap_or_default());
            let nonce = || Nonce::assume_unique_for_key([7; aead::NONCE_LEN]);
            let tag = record_key
                .seal_in_place_separate_tag(nonce(), Aad::from(header), &mut record)
                .map_err(unspecified("seal"))?;
            record.extend_from_slice(tag.as_ref());
            let opened = record_key
                .open_in_place(nonce(), Aad::from(header), &mut record)
                .map_err(unspecified("open"))?;
            std::hint::black_box(opened);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(content_type: u8, len: usize) -> Vec<u8> {
        let mut r = vec![content_type, 3, 3];
        r.extend_from_slice(&u16::try_from(len).unwrap().to_be_bytes());
        r.extend(std::iter::repeat_n(0xab, len));
        r
    }

    fn flight(from_client: bool, records: &[(u8, usize)]) -> Flight {
        Flight {
            from_client,
            tls: records.iter().flat_map(|&(t, n)| record(t, n)).collect(),
        }
    }

    #[test]
    fn tls13_counts_inner_lengths_and_stops_at_the_clients_last_flight() {
        let setup = Setup::handshakes()[0];
        assert_eq!(setup.version, Version::Tls13);
        let flights = [
            flight(true, &[(HANDSHAKE, 200)]),
            flight(
                false,
                &[(HANDSHAKE, 90), (CHANGE_CIPHER_SPEC, 1), (23, 1000)],
            ),
            flight(true, &[(CHANGE_CIPHER_SPEC, 1), (23, 53)]),
            flight(false, &[(23, 150)]), // NewSessionTicket: not counted
        ];
        let work = ProtocolWork::of(&setup, &flights).unwrap();
        assert_eq!(work.hashed, [200, 90, 983, 36]);
        assert_eq!(work.sealed, [984, 37]);
        assert_eq!((work.keys_per_side, work.hmacs_per_side), (4, 2));
    }

    #[test]
    fn tls12_records_are_encrypted_after_each_sides_change_cipher_spec() {
        let setup = *Setup::handshakes()
            .iter()
            .find(|s| s.version == Version::Tls12)
            .unwrap();
        let flights = [
            flight(true, &[(HANDSHAKE, 200)]),
            flight(false, &[(HANDSHAKE, 900)]),
            flight(
                true,
                &[(HANDSHAKE, 37), (CHANGE_CIPHER_SPEC, 1), (HANDSHAKE, 40)],
            ),
            flight(false, &[(CHANGE_CIPHER_SPEC, 1), (HANDSHAKE, 40)]),
        ];
        let work = ProtocolWork::of(&setup, &flights).unwrap();
        assert_eq!(work.hashed, [200, 900, 37, 16, 16]);
        assert_eq!(work.sealed, [16, 16]);
        assert_eq!((work.keys_per_side, work.hmacs_per_side), (2, 0));
    }

    #[test]
    fn malformed_records_are_errors() {
        let setup = Setup::handshakes()[0];
        let cut = Flight {
            from_client: true,
            tls: record(HANDSHAKE, 10).get(..8).unwrap().to_vec(),
        };
        assert!(ProtocolWork::of(&setup, &[cut]).is_err());
        let alert = flight(true, &[(21, 2)]);
        assert!(ProtocolWork::of(&setup, &[alert]).is_err());
        let short = flight(true, &[(23, 10)]);
        assert!(ProtocolWork::of(&setup, &[short]).is_err());
        assert!(ProtocolWork::of(&setup, &[flight(false, &[(HANDSHAKE, 4)])]).is_err());
    }

    #[test]
    fn strata_handshakes_give_the_finished_messages_their_exact_sizes() {
        // The Finished messages pin the overhead arithmetic: TLS 1.2's verify_data is 12
        // bytes (16 with its header) in each direction; a TLS 1.3 client without a
        // certificate sends its Finished alone, 36 bytes with SHA-256 (37 sealed).
        let pki = Pki::new();
        for setup in Setup::handshakes()
            .iter()
            .chain(&Setup::resumed_handshakes())
        {
            let work = ProtocolWork::measure(&pki, setup).unwrap();
            let total: usize = work.hashed.iter().sum();
            assert!(total > 100, "{}: {work:?}", setup.name());
            match setup.version {
                Version::Tls12 => assert_eq!(work.sealed, [16, 16], "{}", setup.name()),
                Version::Tls13 if !setup.client_auth || setup.resumed => {
                    assert_eq!(work.sealed.last(), Some(&37), "{}", setup.name());
                }
                Version::Tls13 => assert!(work.sealed.len() >= 2, "{}", setup.name()),
            }
        }
    }
}
