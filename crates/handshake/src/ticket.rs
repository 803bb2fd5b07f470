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

use ring::aead::{self, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use strata_pki::pki_types::CertificateDer;
use strata_pki::TlsVersion;
use zeroize::Zeroizing;

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

    /// Seals `plaintext` under the current key.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, HandshakeError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| HandshakeError::Internal("no randomness for a ticket nonce"))?;
        let ring = self.lock()?;
        let mut body = plaintext.to_vec();
        ring.current
            .key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(ring.current.id),
                &mut body,
            )
            .map_err(|_| HandshakeError::Internal("ticket sealing failed"))?;
        let mut ticket = Vec::with_capacity(KEY_ID_LEN + NONCE_LEN + body.len());
        ticket.extend_from_slice(&ring.current.id);
        ticket.extend_from_slice(&nonce);
        ticket.extend_from_slice(&body);
        body.fill(0);
        Ok(ticket)
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
    pub(crate) peer_certificates: Vec<CertificateDer<'static>>,
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

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    // Every field here is far below 2^32 bytes (a chain is bounded by the message size).
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(bytes);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
    fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }
    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.u32()?).ok()?;
        self.take(len)
    }
    fn optional(&mut self) -> Option<Option<&'a [u8]>> {
        match self.u8()? {
            0 => Some(None),
            1 => self.bytes().map(Some),
            _ => None,
        }
    }
}

impl SessionState {
    /// The plaintext of a ticket (zeroed on drop: it holds the secret).
    pub(crate) fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::new());
        out.push(STATE_FORMAT);
        out.push(match self.version {
            TlsVersion::Tls12 => 12,
            TlsVersion::Tls13 => 13,
        });
        out.extend_from_slice(&self.suite.suite.to_wire().to_be_bytes());
        out.extend_from_slice(&self.group.to_wire().to_be_bytes());
        put_bytes(&mut out, self.secret.as_bytes());
        out.extend_from_slice(&self.created.to_be_bytes());
        out.extend_from_slice(&self.lifetime.to_be_bytes());
        out.extend_from_slice(&self.age_add.to_be_bytes());
        out.push(u8::from(self.extended_master_secret));
        for field in [self.alpn.as_deref(), self.sni.as_deref().map(str::as_bytes)] {
            match field {
                None => out.push(0),
                Some(bytes) => {
                    out.push(1);
                    put_bytes(&mut out, bytes);
                }
            }
        }
        out.extend_from_slice(
            &u32::try_from(self.peer_certificates.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        for cert in &self.peer_certificates {
            put_bytes(&mut out, cert.as_ref());
        }
        out
    }

    /// Reads what [`encode`](Self::encode) wrote; `None` for anything else.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader(bytes);
        if r.u8()? != STATE_FORMAT {
            return None;
        }
        let version = match r.u8()? {
            12 => TlsVersion::Tls12,
            13 => TlsVersion::Tls13,
            _ => return None,
        };
        let code = CipherSuite::from(u16::from_be_bytes(r.array()?));
        let suite = crate::suites::ALL_SUITES
            .iter()
            .copied()
            .find(|s| s.suite == code && s.version == version)?;
        let group = crate::NamedGroup::from(u16::from_be_bytes(r.array()?));
        let secret = Secret::from_slice(r.bytes()?)?;
        let created = u64::from_be_bytes(r.array()?);
        let lifetime = r.u32()?;
        let age_add = r.u32()?;
        let extended_master_secret = match r.u8()? {
            0 => false,
            1 => true,
            _ => return None,
        };
        let alpn = r.optional()?.map(<[u8]>::to_vec);
        let sni = match r.optional()? {
            Some(name) => Some(String::from_utf8(name.to_vec()).ok()?),
            None => None,
        };
        let count = r.u32()?;
        let mut peer_certificates = Vec::new();
        for _ in 0..count {
            peer_certificates.push(CertificateDer::from(r.bytes()?.to_vec()));
        }
        if !r.0.is_empty() {
            return None;
        }
        Some(Self {
            version,
            suite,
            group,
            secret,
            created,
            lifetime,
            age_add,
            extended_master_secret,
            alpn,
            sni,
            peer_certificates,
        })
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
