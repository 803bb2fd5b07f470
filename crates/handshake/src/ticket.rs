//! Session resumption state on the server: the sealing of tickets (RFC 8446 §4.6.1,
//! RFC 5077 §4), and the TLS 1.2 session-ID store (RFC 5246 §7.3): the
//! [`ServerSessionStore`] trait and its bounded in-memory default, [`SessionCache`].
//!
//! A ticket is `key_id (4) || nonce (12) || ChaCha20-Poly1305(state)`, the key id being
//! the first four bytes of SHA-256 of the key, bound as additional data. [`TicketKeys`]
//! opens tickets under its current key and the one before it: after two rotations a
//! ticket no longer opens and the client gets a full handshake.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use bytes::{BufMut, BytesMut};
use ring::aead::{self, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use strata_codec::{
    array, decode_exact, length_prefixed, put_length_prefixed, put_opaque, u32, u8, vector_of,
    Bounds, Decode, DecodeError, Encode, LengthPrefix, Res,
};
use strata_pki::pki_types::CertificateDer;
use strata_pki::TlsVersion;
use zeroize::{Zeroize, Zeroizing};

use crate::machine::PeerChain;
use crate::suites::SupportedSuite;
use crate::{CipherSuite, HandshakeError, Secret};

/// The length of a ticket key.
pub const TICKET_KEY_LEN: usize = 32;
const KEY_ID_LEN: usize = 4;

/// One sealing key and its id.
struct SealingKey {
    id: [u8; KEY_ID_LEN],
    key: LessSafeKey,
}

impl SealingKey {
    fn new(bytes: &Zeroizing<[u8; TICKET_KEY_LEN]>) -> Result<Self, HandshakeError> {
        let digest = ring::digest::digest(&ring::digest::SHA256, bytes.as_ref());
        let mut id = [0; KEY_ID_LEN];
        if let Some(prefix) = digest.as_ref().get(..KEY_ID_LEN) {
            id.copy_from_slice(prefix);
        }
        let key = UnboundKey::new(&CHACHA20_POLY1305, bytes.as_ref())
            .map_err(|_| HandshakeError::Internal("a ticket key of the wrong length"))?;
        Ok(Self {
            id,
            key: LessSafeKey::new(key),
        })
    }
}

struct KeyRing {
    current: SealingKey,
    previous: Option<SealingKey>,
}

/// The server's ticket keys: a current key that seals and opens, and the previous key,
/// which only opens (RFC 5077 §5.5 recommends rotating ticket keys). Shared by every
/// connection of a server (`Arc<TicketKeys>` in
/// [`ServerHandshakeConfig`](crate::machine::ServerHandshakeConfig)); `Debug` shows no key.
pub struct TicketKeys {
    ring: Mutex<KeyRing>,
    rng: SystemRandom,
}

impl core::fmt::Debug for TicketKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TicketKeys").finish_non_exhaustive()
    }
}

impl TicketKeys {
    /// Ticket keys starting with `key`.
    pub fn new(key: [u8; TICKET_KEY_LEN]) -> Result<Self, HandshakeError> {
        let key = Zeroizing::new(key);
        Ok(Self {
            ring: Mutex::new(KeyRing {
                current: SealingKey::new(&key)?,
                previous: None,
            }),
            rng: SystemRandom::new(),
        })
    }

    /// Ticket keys starting with a random key.
    pub fn generate() -> Result<Self, HandshakeError> {
        let mut key = Zeroizing::new([0u8; TICKET_KEY_LEN]);
        SystemRandom::new()
            .fill(key.as_mut())
            .map_err(|_| HandshakeError::Internal("no randomness for a ticket key"))?;
        Self::new(*key)
    }

    /// Makes `key` the current key; the current one becomes the previous one (it still
    /// opens tickets), and the previous one is forgotten.
    pub fn rotate(&self, key: [u8; TICKET_KEY_LEN]) -> Result<(), HandshakeError> {
        let key = Zeroizing::new(key);
        let next = SealingKey::new(&key)?;
        let mut ring = self.lock()?;
        let old = core::mem::replace(&mut ring.current, next);
        ring.previous = Some(old);
        Ok(())
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, KeyRing>, HandshakeError> {
        self.ring
            .lock()
            .map_err(|_| HandshakeError::Internal("the ticket key lock is poisoned"))
    }

    /// Seals `plaintext` under the current key, with a fresh random nonce.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, HandshakeError> {
        let nonce = self.nonce()?;
        self.seal_with(nonce, plaintext.len(), |out| {
            out.extend_from_slice(plaintext)
        })
    }

    /// A fresh random nonce for [`seal_state`](Self::seal_state).
    pub(crate) fn nonce(&self) -> Result<[u8; NONCE_LEN], HandshakeError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| HandshakeError::Internal("no randomness for a ticket nonce"))?;
        Ok(nonce)
    }

    /// Seals `state` under the current key and `nonce`: random, and never used before
    /// under this key (a repeated ChaCha20-Poly1305 nonce gives away the XOR of two
    /// plaintexts and lets tickets be forged), drawn by the caller
    /// with the other randomness it needs (a TLS 1.3 ticket's age_add: one read of the
    /// random source instead of two).
    pub(crate) fn seal_state(
        &self,
        state: &SessionState,
        nonce: [u8; NONCE_LEN],
    ) -> Result<Vec<u8>, HandshakeError> {
        self.seal_with(nonce, state.encoded_len(), |out| state.encode_into(out))
    }

    /// `key_id || nonce || ChaCha20-Poly1305(plaintext)`, the plaintext (`len` bytes,
    /// written by `write`) encoded straight into the ticket's buffer, which has room for
    /// it and the tag, and sealed where it lies: one buffer, and no copy of the session's
    /// secret left behind.
    fn seal_with(
        &self,
        nonce: [u8; NONCE_LEN],
        len: usize,
        write: impl FnOnce(&mut BytesMut),
    ) -> Result<Vec<u8>, HandshakeError> {
        let header = KEY_ID_LEN + NONCE_LEN;
        let mut ticket = BytesMut::with_capacity(header + len + CHACHA20_POLY1305.tag_len());
        ticket.put_bytes(0, KEY_ID_LEN);
        ticket.extend_from_slice(&nonce);
        write(&mut ticket);
        let ring = match self.lock() {
            Ok(ring) => ring,
            Err(e) => {
                ticket.as_mut().zeroize();
                return Err(e);
            }
        };
        let (id, body) = ticket.split_at_mut(KEY_ID_LEN);
        id.copy_from_slice(&ring.current.id);
        let sealed = match body.get_mut(NONCE_LEN..) {
            Some(plaintext) => ring
                .current
                .key
                .seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key(nonce),
                    aead::Aad::from(ring.current.id),
                    plaintext,
                )
                .ok(),
            None => None,
        };
        match sealed {
            Some(tag) => {
                ticket.extend_from_slice(tag.as_ref());
                Ok(Vec::from(ticket))
            }
            None => {
                ticket.as_mut().zeroize();
                Err(HandshakeError::Internal("ticket sealing failed"))
            }
        }
    }

    /// Opens a ticket sealed under the current or the previous key; `None` for an
    /// unknown key, a bad tag, or a ticket too short.
    pub fn open(&self, ticket: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let (id, rest) = ticket.split_at_checked(KEY_ID_LEN)?;
        let (nonce, sealed) = rest.split_at_checked(NONCE_LEN)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let ring = self.lock().ok()?;
        let key = [Some(&ring.current), ring.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == id)?;
        let mut body = Zeroizing::new(sealed.to_vec());
        let len = key
            .key
            .open_in_place(nonce, aead::Aad::from(key.id), body.as_mut_slice())
            .ok()?
            .len();
        body.truncate(len);
        Some(body)
    }
}

/// What a server remembers of a session to resume it, in a ticket or the session cache:
/// the secret (TLS 1.3 resumption PSK or TLS 1.2 master secret), the suite, when it was
/// made, and the peer's identity (RFC 8446 §4.6.1, RFC 5246 §7.3).
#[derive(Clone)]
pub(crate) struct SessionState {
    pub(crate) version: TlsVersion,
    pub(crate) suite: SupportedSuite,
    /// The key exchange group of the original handshake.
    pub(crate) group: crate::NamedGroup,
    pub(crate) secret: Secret,
    /// Unix seconds at issue.
    pub(crate) created: u64,
    /// TLS 1.3: the ticket's lifetime and ticket_age_add.
    pub(crate) lifetime: u32,
    pub(crate) age_add: u32,
    /// TLS 1.2: whether the session used the extended master secret (RFC 7627 §5.3).
    pub(crate) extended_master_secret: bool,
    pub(crate) alpn: Option<Vec<u8>>,
    pub(crate) sni: Option<String>,
    pub(crate) peer_certificates: PeerChain,
}

impl core::fmt::Debug for SessionState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SessionState")
            .field("version", &self.version)
            .field("suite", &self.suite.suite)
            .field("created", &self.created)
            .finish_non_exhaustive()
    }
}

/// The format version of an encoded [`SessionState`].
const STATE_FORMAT: u8 = 1;

/// The bounds of the encoded fields, in the codec's terms: the secret fits a `u8` prefix,
/// ALPN and SNI a `u16` one, a certificate and the chain a `u24` one (as in a Certificate
/// message, whose size the handshake already bounds).
const SECRET: Bounds = Bounds::new(0, 0xff);
const SHORT: Bounds = Bounds::new(0, 0xffff);
const CHAIN: Bounds = Bounds::new(0, 0xff_ff_ff);

fn put_optional(out: &mut BytesMut, field: Option<&[u8]>) {
    match field {
        None => 0u8.encode(out),
        Some(bytes) => {
            1u8.encode(out);
            put_opaque(out, LengthPrefix::U16, bytes);
        }
    }
}

fn optional(input: &[u8]) -> Res<'_, Option<&[u8]>> {
    let (input, present) = u8(input)?;
    match present {
        0 => Ok((input, None)),
        1 => length_prefixed(LengthPrefix::U16, SHORT, "optional")(input)
            .map(|(rest, body)| (rest, Some(body))),
        _ => Err(nom::Err::Error(DecodeError::illegal(
            "optional",
            "presence is 0 or 1",
        ))),
    }
}

impl SessionState {
    /// The plaintext of a ticket (zeroed on drop: it holds the secret).
    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = BytesMut::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        // The buffer itself, not a copy of it (sized exactly, it never moved).
        Zeroizing::new(Vec::from(out))
    }

    /// Appends the encoding (exactly [`encoded_len`](Self::encoded_len) bytes, so that a
    /// buffer sized for it never moves, leaving a copy of the secret behind).
    pub(crate) fn encode_into(&self, out: &mut BytesMut) {
        STATE_FORMAT.encode(out);
        let version: u8 = match self.version {
            TlsVersion::Tls12 => 12,
            TlsVersion::Tls13 => 13,
        };
        version.encode(out);
        self.suite.suite.encode(out);
        self.group.encode(out);
        put_opaque(out, LengthPrefix::U8, self.secret.as_bytes());
        out.extend_from_slice(&self.created.to_be_bytes());
        self.lifetime.encode(out);
        self.age_add.encode(out);
        u8::from(self.extended_master_secret).encode(out);
        put_optional(out, self.alpn.as_deref());
        put_optional(out, self.sni.as_deref().map(str::as_bytes));
        put_length_prefixed(out, LengthPrefix::U24, |out| {
            for cert in self.peer_certificates.iter() {
                put_opaque(out, LengthPrefix::U24, cert.as_ref());
            }
        });
    }

    /// The length of the encoding.
    pub(crate) fn encoded_len(&self) -> usize {
        let optional = |field: Option<&[u8]>| 1 + field.map_or(0, |b| 2 + b.len());
        // format, version, suite, group; the secret; created, lifetime, age_add, EMS.
        6 + 1
            + self.secret.as_bytes().len()
            + 8
            + 4
            + 4
            + 1
            + optional(self.alpn.as_deref())
            + optional(self.sni.as_deref().map(str::as_bytes))
            + 3
            + self
                .peer_certificates
                .iter()
                .map(|c| 3 + c.as_ref().len())
                .sum::<usize>()
    }

    /// Reads what [`encode`](Self::encode) wrote; `None` for anything else.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        decode_exact(bytes, "session", Self::parse).ok()
    }

    fn parse(input: &[u8]) -> Res<'_, Self> {
        let illegal = |field, why| nom::Err::Error(DecodeError::illegal(field, why));
        let (input, format) = u8(input)?;
        if format != STATE_FORMAT {
            return Err(illegal("format", "unknown session format"));
        }
        let (input, version) = u8(input)?;
        let version = match version {
            12 => TlsVersion::Tls12,
            13 => TlsVersion::Tls13,
            _ => return Err(illegal("version", "not TLS 1.2 or 1.3")),
        };
        let (input, code) = CipherSuite::decode(input)?;
        let suite = crate::suites::ALL_SUITES
            .iter()
            .copied()
            .find(|s| s.suite == code && s.version == version)
            .ok_or_else(|| illegal("suite", "not a suite of that version"))?;
        let (input, group) = crate::NamedGroup::decode(input)?;
        let (input, secret) = length_prefixed(LengthPrefix::U8, SECRET, "secret")(input)?;
        let secret = Secret::from_slice(secret).ok_or_else(|| illegal("secret", "too long"))?;
        let (input, created) = array::<8>(input)?;
        let (input, lifetime) = u32(input)?;
        let (input, age_add) = u32(input)?;
        let (input, ems) = u8(input)?;
        let extended_master_secret = match ems {
            0 => false,
            1 => true,
            _ => return Err(illegal("extended_master_secret", "not 0 or 1")),
        };
        let (input, alpn) = optional(input)?;
        let (input, sni) = optional(input)?;
        let sni = match sni {
            Some(name) => {
                Some(String::from_utf8(name.to_vec()).map_err(|_| illegal("sni", "not UTF-8"))?)
            }
            None => None,
        };
        let (input, peer_certificates) = vector_of(LengthPrefix::U24, CHAIN, "chain", |input| {
            length_prefixed(LengthPrefix::U24, CHAIN, "certificate")(input)
                .map(|(rest, cert)| (rest, CertificateDer::from(cert.to_vec())))
        })(input)?;
        Ok((
            input,
            Self {
                version,
                suite,
                group,
                secret,
                created: u64::from_be_bytes(*created),
                lifetime,
                age_add,
                extended_master_secret,
                alpn: alpn.map(<[u8]>::to_vec),
                sni,
                peer_certificates: PeerChain::from(peer_certificates),
            },
        ))
    }
}

/// A TLS 1.2 session as a server keeps it for resumption by session ID (RFC 5246 §7.3):
/// the master secret, suite, creation time, extended-master-secret use, SNI, ALPN and the
/// client's chain. Opaque; `Debug` shows no secret. The server checks a session it gets
/// back (version, suite, lifetime, SNI, RFC 7627 §5.3) before resuming it.
#[derive(Clone, Debug)]
pub struct ServerSession(pub(crate) SessionState);

impl ServerSession {
    /// When the session was made, in unix seconds (for a store's own expiry).
    pub fn created(&self) -> u64 {
        self.0.created
    }

    /// The session as bytes, for a store kept outside the process. They hold the master
    /// secret in the clear: keep them as carefully as a private key (zeroed on drop).
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        self.0.encode()
    }

    /// Reads what [`to_bytes`](Self::to_bytes) wrote; `None` for anything else.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        SessionState::decode(bytes).map(Self)
    }
}

/// Where a TLS 1.2 server keeps sessions to resume by session ID (RFC 5246 §7.4.1.2),
/// shared by its connections (`Arc<dyn ServerSessionStore>` in
/// [`ServerHandshakeConfig`](crate::machine::ServerHandshakeConfig)). The implementation
/// bounds itself (evicting as it likes); [`SessionCache`] is the in-memory default. A store
/// that forgets a session, or removes it in `get` for single use, only costs a full
/// handshake.
pub trait ServerSessionStore: Send + Sync + core::fmt::Debug {
    /// Keeps `session` under the session ID `id` (32 random bytes), after a full
    /// handshake.
    fn put(&self, id: Vec<u8>, session: ServerSession);

    /// The session kept under `id`, if any, for a ClientHello offering that session ID.
    fn get(&self, id: &[u8]) -> Option<ServerSession>;
}

struct CacheInner {
    entries: HashMap<Vec<u8>, SessionState>,
    /// Session ids, oldest first.
    order: VecDeque<Vec<u8>>,
}

/// A bounded server-side cache of TLS 1.2 sessions by session ID (RFC 5246 §7.4.1.2): at
/// most `capacity` sessions, the oldest evicted first. Shared by a server's connections
/// (`Arc<SessionCache>`); `Debug` shows only the size.
pub struct SessionCache {
    capacity: usize,
    inner: Mutex<CacheInner>,
}

impl core::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SessionCache")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

impl SessionCache {
    /// A cache of at most `capacity` sessions (0 keeps none).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::new(CacheInner {
                entries: HashMap::new(),
                order: VecDeque::new(),
            }),
        }
    }

    /// The most sessions it keeps.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many sessions it holds.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|i| i.entries.len()).unwrap_or(0)
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ServerSessionStore for SessionCache {
    fn put(&self, id: Vec<u8>, session: ServerSession) {
        let state = session.0;
        if self.capacity == 0 {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.entries.insert(id.clone(), state).is_some() {
            inner.order.retain(|k| *k != id);
        }
        inner.order.push_back(id);
        while inner.entries.len() > self.capacity {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            inner.entries.remove(&oldest);
        }
    }

    fn get(&self, id: &[u8]) -> Option<ServerSession> {
        self.inner
            .lock()
            .ok()?
            .entries
            .get(id)
            .cloned()
            .map(ServerSession)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    fn state() -> impl Strategy<Value = SessionState> {
        (
            proptest::sample::select(crate::suites::ALL_SUITES),
            any::<u16>(),
            vec(any::<u8>(), 0..=48),
            (any::<u64>(), any::<u32>(), any::<u32>(), any::<bool>()),
            proptest::option::of(vec(any::<u8>(), 1..20)),
            proptest::option::of("[a-z.]{1,30}"),
            vec(vec(any::<u8>(), 1..80), 0..4),
        )
            .prop_map(
                |(suite, group, secret, (created, lifetime, age_add, ems), alpn, sni, chain)| {
                    SessionState {
                        version: suite.version,
                        suite,
                        group: crate::NamedGroup::from(group),
                        secret: Secret::from_slice(&secret).unwrap(),
                        created,
                        lifetime,
                        age_add,
                        extended_master_secret: ems,
                        alpn,
                        sni,
                        peer_certificates: PeerChain::from_exact(
                            chain.into_iter().map(CertificateDer::from),
                        ),
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn session_state_round_trips(state in state()) {
            let encoded = state.encode();
            let decoded = SessionState::decode(&encoded).unwrap();
            prop_assert_eq!(&decoded.encode()[..], &encoded[..]);
            prop_assert_eq!(decoded.secret.as_bytes(), state.secret.as_bytes());
            prop_assert_eq!(decoded.peer_certificates, state.peer_certificates);
        }

        #[test]
        fn a_sealed_state_opens_to_its_encoding_in_a_buffer_that_never_grew(
            state in state(),
            nonce in any::<[u8; NONCE_LEN]>(),
        ) {
            // The encoding is written into a buffer sized by `encoded_len`, so a wrong
            // length would grow it and leave a copy of the secret in the freed one: the
            // ticket's capacity is exactly its length.
            prop_assert_eq!(state.encoded_len(), state.encode().len());
            let keys = TicketKeys::new([7; TICKET_KEY_LEN]).unwrap();
            let ticket = keys.seal_state(&state, nonce).unwrap();
            prop_assert_eq!(ticket.capacity(), ticket.len());
            prop_assert_eq!(ticket.get(KEY_ID_LEN..KEY_ID_LEN + NONCE_LEN), Some(&nonce[..]));
            let opened = keys.open(&ticket).unwrap();
            prop_assert_eq!(&opened[..], &state.encode()[..]);
        }

        #[test]
        fn any_bytes_decode_to_a_state_or_none(bytes in vec(any::<u8>(), 0..300)) {
            if let Some(state) = SessionState::decode(&bytes) {
                prop_assert_eq!(&state.encode()[..], &bytes[..]);
            }
        }

        #[test]
        fn every_truncation_is_refused(state in state(), cut in any::<prop::sample::Index>()) {
            let encoded = state.encode();
            let cut = cut.index(encoded.len());
            prop_assert!(SessionState::decode(&encoded[..cut]).is_none());
        }
    }
}
